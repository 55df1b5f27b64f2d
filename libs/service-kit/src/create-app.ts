import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
  type RouteOptions,
} from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { context, propagation, trace, SpanKind, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import { instrumentedServerSpan } from './tracing';
import type { Logger } from 'pino';
import { loggablePath } from './loggable-path';
import { installHealth, type ReadinessCheck } from './health';
import { installMetrics } from './metrics';
import { answerFrameworkError, formatValidationErrors, installProblemHandlers, ProblemSchema, sendProblem } from './problem';
import { problemType } from './problem-types';
import { installContentEncodingCheck } from './http/content-encoding';
import { installStrictJsonBody } from './http/json-body';
import { installStrictQueryEncoding } from './http/query-encoding';
import { lazySchemas } from './http/lazy-schemas';
import { requestValidatorFactory } from './http/request-validation';
import { answerClientError, installUriLengthLimit } from './http/uri-length';
import { installHeaderFieldChecks } from './http/header-fields';
import { installEmptyPathSegmentCheck } from './http/empty-path-segment';
import { answerConnectRequests } from './http/connect-method';
import { answerUnroutedMethod, answerUnroutedQuery } from './http/method-not-allowed';
import { installPreconditions } from './http/preconditions';
import { deferContinueUntilRead } from './http/expect-continue';
import { DEFAULT_REQUEST_DEADLINES, installRequestDeadline, nodeServerTimeouts, type RequestDeadlines } from './http/request-deadline';
import { isStorableText, isVisibleText, STORABLE_TEXT_FORMAT, VISIBLE_TEXT_FORMAT } from '@tss/contracts';

export interface ServiceAppOptions {
  /** Service name: logs, metrics and spans carry it. */
  name: string;
  version?: string;
  logger: Logger;
  /** What `/readyz` checks; read at each call so late-bound dependencies can join. */
  readiness?: () => readonly ReadinessCheck[];
  openapi?: { title: string; description?: string };
  bodyLimitBytes?: number;
  /** How long a request may take to arrive (TSS_REQUEST_TIMEOUT_MS, TSS_UPLOAD_TIMEOUT_MS); default: their schema defaults. */
  requestDeadlines?: RequestDeadlines;
  /** Extra fastify options (trustProxy). */
  fastify?: Partial<FastifyServerOptions>;
}

export type ServiceApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    otelContext: Context;
    otelSpan?: Span;
  }
  interface FastifyInstance {
    /** Compiles the route schemas no request has needed yet (they are compiled at first use); returns how many, or throws naming a route whose schema does not compile. */
    compileRouteSchemas(): number;
  }
}

/**
 * The server the document names: the address it is served from (a relative URL resolves against
 * the document's own), the gateway's or the single process's, whatever TSS_PUBLIC_URL or the
 * ingress make of it. The same in every service's document, so the gateway's merge keeps it as is.
 */
export const API_SERVER = { url: '/', description: 'The address this document is served from: the gateway, or the single process' } as const;

/**
 * The fastify app every service (and the gateway) starts from: request ids, pino logs with trace
 * ids, problem+json errors, health and readiness, Prometheus metrics, server spans with W3C
 * trace-context extraction, and an OpenAPI document built from the route schemas.
 */
export const createServiceApp = async (options: ServiceAppOptions): Promise<ServiceApp> => {
  const deadlines = options.requestDeadlines ?? DEFAULT_REQUEST_DEADLINES;
  // fastify's default requestTimeout (0) turns off Node's own: a request's arrival is bounded here
  // instead (http/request-deadline.ts); connectionTimeout (idle socket) stays off, as a client
  // trickling a byte at a time is never idle and keep-alive has its own timeout.
  const timeouts = nodeServerTimeouts(deadlines);
  const schemas = lazySchemas(requestValidatorFactory());
  const app = Fastify({
    loggerInstance: options.logger,
    // One line per request, at its end (installRequestLog), instead of fastify's two (issue #8).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // We shed load during drain ourselves, with a problem document (installDrainShedding).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    frameworkErrors: answerFrameworkError,
    // An HTTP/1.1 request without Host gets its 400 as a problem (http/header-fields.ts), not Node's empty one.
    http: { requireHostHeader: false, ...timeouts.http },
    requestTimeout: timeouts.requestTimeout,
    // A request line or headers over Node's limit: a 431 problem, not fastify's bare JSON.
    clientErrorHandler: answerClientError,
    // The longest path parameter a route schema admits (client ids, up to 200 characters); a longer
    // one is a 414 problem from the router (answerFrameworkError), as the document says.
    routerOptions: { maxParamLength: 200 },
    // Parameters are coerced from text, JSON bodies are not; numbers are finite; uuids are PostgreSQL's.
    // Each route's validators and serializers are compiled at its first request, not at start (lazy-schemas.ts).
    schemaController: { compilersFactory: { buildValidator: schemas.buildValidator, buildSerializer: schemas.buildSerializer } },
    // The first few errors, however many a bad body has (problem.ts, MAX_LISTED_VALIDATION_ERRORS).
    schemaErrorFormatter: formatValidationErrors,
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: true,
        // `Text` fields (libs/contracts): NUL or a lone surrogate is a 400 naming the field, not a 500 at the INSERT;
        // `VisibleText` fields: blank text ("   ", "\u200b") is a 400 naming the field too.
        formats: { [STORABLE_TEXT_FORMAT]: isStorableText, [VISIBLE_TEXT_FORMAT]: isVisibleText },
        // Errors carry the value, so a `visible-text` failure can say whether it was blank or unstorable (problem.ts).
        verbose: true,
      },
    },
    ...options.fastify,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('compileRouteSchemas', schemas.compileAll);
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.openapi?.title ?? options.name, description: options.openapi?.description, version: options.version ?? '0.1.0' },
      servers: [API_SERVER],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  // First, so that a request answered early (a 414, a 401) is timed too.
  installRequestDeadline(app, deadlines);
  installDrainShedding(app);
  installUriLengthLimit(app);
  installHeaderFieldChecks(app);
  installContentEncodingCheck(app);
  installEmptyPathSegmentCheck(app);
  deferContinueUntilRead(app.server);
  installStrictQueryEncoding(app);
  installStrictJsonBody(app);
  installTracingHooks(app, options.name);
  installProblemHandlers(app);
  // RFC 9110 §13.2: If-Match and If-None-Match on a state-changing request to a resource without an ETag.
  installPreconditions(app);
  app.setNotFoundHandler(answerUnroutedMethod);
  answerUnroutedQuery(app);
  answerConnectRequests(app);
  installHealth(app, options.readiness ?? (() => []));
  installMetrics(app, options.name);
  installRequestLog(app);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });
  return app as unknown as ServiceApp;
};

/**
 * One `request completed` line per request, at `info`: method, route, status and duration, with
 * the request id and (from the request's logger, see installTracingHooks) the trace id. Fastify's
 * own "incoming request" and "request completed" pair cost two serialised lines per request.
 */
const installRequestLog = (app: FastifyInstance): void => {
  app.addHook('onResponse', async (request, reply) => {
    if (!(reply.log as Logger).isLevelEnabled('info')) return;
    reply.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        // The path without its query, which may carry what must not be logged, and without the
        // token of a link (a rating or site link to no route: `/rate/<token>/`).
        ...(request.routeOptions.url ? {} : { path: loggablePath(request.url.split('?')[0]) }),
        statusCode: reply.statusCode,
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });
};

/**
 * Graceful shutdown: once close() starts, requests that still arrive (on kept-alive connections)
 * get a 503 problem with Connection: close, so clients retry elsewhere; requests already being
 * handled finish.
 */
const installDrainShedding = (app: FastifyInstance): void => {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close').header('retry-after', '1');
    return sendProblem(reply, { type: problemType('shutting-down'), title: 'Service Unavailable', status: 503, detail: 'This instance is shutting down; retry.' });
  });
  // A request that was in flight when closing began ends its kept-alive connection too: otherwise
  // the socket idles on until its keep-alive timeout and holds close() up.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
};

/**
 * One server span per request, child of the caller's `traceparent`: the HTTP instrumentation's
 * when it is on (named here after the route and labelled with the service), else one of ours.
 * Each route handler runs inside the request's context, so the SQL it runs is under that span and
 * outbox rows written there carry the same trace id onward through events.
 */
const installTracingHooks = (app: FastifyInstance, service: string): void => {
  const tracer = trace.getTracer('tss');
  app.decorateRequest('otelContext', null as unknown as Context);
  app.decorateRequest('otelSpan', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const path = loggablePath(request.url.split('?')[0]);
    const name = `${request.method} ${request.routeOptions.url ?? path}`;
    const instrumented = instrumentedServerSpan(request.raw);
    let span: Span;
    if (instrumented) {
      // The instrumentation ends it. Handlers and forwarded requests continue the server span itself.
      span = instrumented.updateName(name).setAttribute('tss.service', service);
      if (request.routeOptions.url) span.setAttribute('http.route', request.routeOptions.url);
      request.otelContext = trace.setSpan(context.active(), span);
    } else {
      const parent = propagation.extract(context.active(), request.headers);
      span = tracer.startSpan(
        name,
        { kind: SpanKind.SERVER, attributes: { 'tss.service': service, 'http.request.method': request.method, 'url.path': path } },
        parent,
      );
      request.otelSpan = span;
      request.otelContext = trace.setSpan(parent, span);
    }
    // Every log line of this request, the framework's included, carries its trace id.
    const traceLog = request.log.child({ trace_id: span.spanContext().traceId });
    request.log = traceLog;
    reply.log = traceLog;
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = request.otelSpan;
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function tracedHandler(this: FastifyInstance, request, reply) {
      return context.with(request.otelContext ?? context.active(), () => handler.call(this, request, reply));
    };
  });
};
