import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import replyFrom from '@fastify/reply-from';
import { request as httpRequest } from 'undici';
import { Type } from '@sinclair/typebox';
import { PUBLIC_FORWARDS, serviceForPath, type RoutedServiceName } from '@tss/contracts';
import { answerFrameworkErrorsUnder, answerUnroutedMethod, problemType, sendProblem, setMethodsBehind, traceCarrierOf, namedPlugin } from '@tss/service-kit';
import { pageStatusOfAreaError, pickLanguage, sendPlainPage, stylesheetPath } from '@tss/web-pages';
import { acceptRawBodies, bodyLimitExceeded, bodyTooLarge } from './raw-body';
import { httpIntake } from '../upstream/intake-api';
import { answerForDoubt, doubtOfAnswer, SERVICE_MARKERS, type ProjectionDoubt } from './ticket-visibility';
import { cutWhenOverdue } from './upstream-deadline';
import { isUpload, UPLOAD_METHOD, UPLOAD_ROUTES } from './upload-routes';

export type ServiceUrls = Readonly<Record<RoutedServiceName, string>>;

/** A path prefix whose requests may take longer (or must take less) than the default. */
export interface RouteTimeout {
  prefix: string;
  timeoutMs: number;
}

export interface ForwardingOptions {
  /** How long a service may take when no `routeTimeouts` prefix matches. */
  timeoutMs: number;
  routeTimeouts?: readonly RouteTimeout[];
  /** TSS_BODY_LIMIT_BYTES: every body but an upload's; the route's own limit (the edge's) when absent. */
  bodyLimitBytes?: number;
  /** Multipart uploads to UPLOAD_ROUTES; without it they go through the catch-all like any body. */
  uploads?: UploadForwarding;
}

/** An upstream timeout, `TSS_UPSTREAM_TIMEOUT_MS` or one of `TSS_UPSTREAM_TIMEOUTS`: from 100 ms to an hour (a timer's delay). */
export const UPSTREAM_TIMEOUT_MIN_MS = 100;
export const UPSTREAM_TIMEOUT_MAX_MS = 3_600_000;

/** `TSS_UPSTREAM_TIMEOUTS`, e.g. `/v1/reports=30000,/v1/tickets=5000`. */
export const RouteTimeoutsSetting = Type.String({
  pattern: '^/[^=,\\s]*=[0-9]+(\\s*,\\s*/[^=,\\s]*=[0-9]+)*$',
  description: `Per-prefix upstream timeouts, \`prefix=ms\` comma-separated, each from ${UPSTREAM_TIMEOUT_MIN_MS} to ${UPSTREAM_TIMEOUT_MAX_MS} ms; the longest matching prefix wins`,
});

/** Parses a value that matched RouteTimeoutsSetting. */
export const parseRouteTimeouts = (setting: string | undefined): RouteTimeout[] =>
  (setting ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf('=');
      return { prefix: entry.slice(0, at).replace(/(.)\/$/, '$1'), timeoutMs: Number(entry.slice(at + 1)) };
    });

/** What is wrong with a value that matched RouteTimeoutsSetting: a timeout out of range, by entry (a rule its pattern cannot say). */
export const routeTimeoutProblems = (setting: string | undefined): string[] =>
  parseRouteTimeouts(setting)
    .filter(({ timeoutMs }) => timeoutMs < UPSTREAM_TIMEOUT_MIN_MS || timeoutMs > UPSTREAM_TIMEOUT_MAX_MS)
    .map(({ prefix, timeoutMs }) => `TSS_UPSTREAM_TIMEOUTS: ${prefix}=${timeoutMs} is not from ${UPSTREAM_TIMEOUT_MIN_MS} to ${UPSTREAM_TIMEOUT_MAX_MS} ms`);

/** The timeout for `path`: that of the longest prefix it lies under (whole segments), else the default. */
export const upstreamTimeoutFor = (path: string, options: ForwardingOptions): number => {
  const matching = (options.routeTimeouts ?? []).filter((r) => r.prefix === '/' || path === r.prefix || path.startsWith(`${r.prefix}/`));
  const longest = matching.reduce<RouteTimeout | undefined>((best, r) => (!best || r.prefix.length > best.prefix.length ? r : best), undefined);
  return longest?.timeoutMs ?? options.timeoutMs;
};

/** fastify's own default body limit. */
const FASTIFY_BODY_LIMIT_BYTES = 1_048_576;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const statusCodeOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : undefined;

/** Multipart uploads to UPLOAD_ROUTES (P8): their own body limit and deadline. */
export interface UploadForwarding {
  /** TSS_UPLOAD_BODY_LIMIT_BYTES: the largest multipart/form-data body on an upload route. */
  bodyLimitBytes: number;
  /** TSS_UPLOAD_TIMEOUT_MS: the whole exchange, the client's upload included (the bytes stream through). */
  timeoutMs: number;
}

/** The people-facing pages among the forwards (PUBLIC_FORWARDS): the rating page, not the API under `/v1`. */
const RATE_PAGE_PREFIX = '/rate';

const isPage = (request: FastifyRequest): boolean => {
  const path = request.url.split('?')[0];
  return path === RATE_PAGE_PREFIX || path.startsWith(`${RATE_PAGE_PREFIX}/`);
};

/** The answer's headers without the services' markers (an unknown ticket, a ticket they are behind on): the gateway's to read, never the client's. */
/**
 * Fields of one connection (RFC 9110 §7.6.1), never passed on by a proxy: the service's
 * `connection: keep-alive` and `keep-alive: timeout=72` describe its connection to the gateway, and
 * copied onto the client's answer they overrode the client's `Connection: close` (the socket stayed
 * open, and a client that reused it met a 400). Node frames and closes the client's own connection.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];

/** The fields a `Connection` field names, which are of that connection too (RFC 9110 §7.6.1). */
const namedByConnection = (headers: IncomingHttpHeaders): string[] =>
  String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);

/** The service's answer's fields as the client gets them: no marker of the gateway's, no field of the service's connection. */
const forClient = (headers: IncomingHttpHeaders): IncomingHttpHeaders => {
  const dropped = new Set([...SERVICE_MARKERS, ...HOP_BY_HOP, ...namedByConnection(headers)]);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !dropped.has(name.toLowerCase())));
};

/**
 * A service's 404 marked `unknown_ticket`, or a refusal marked as its projection being behind
 * (docs/adr/0068 and its addendum of 2026-12-05): intake, asked as the caller, says whether the
 * service has only not learned of the ticket, or of its status, yet. If so the refusal is dropped
 * (read off the connection, its headers unset) for a 503 with Retry-After; else it goes on as it
 * came, under the same deadline.
 */
const answerMarkedRefusal = async (
  urls: ServiceUrls,
  request: FastifyRequest,
  reply: FastifyReply,
  response: { stream: IncomingMessage },
  deadline: ReturnType<typeof cutWhenOverdue>,
  timeoutMs: number,
  doubt: ProjectionDoubt,
) => {
  const answer = await answerForDoubt(httpIntake(urls['ticket-intake'], timeoutMs), request, doubt);
  if (!answer) return deadline.stream(response);
  response.stream.resume();
  for (const name of Object.keys(response.stream.headers)) reply.removeHeader(name);
  reply.header('retry-after', String(answer.retryAfterSeconds));
  return sendProblem(reply, answer.problem);
};

/**
 * The methods the service owning `path` takes there, from its OPTIONS answer's Allow (none when it
 * serves nothing there); `undefined` for a path no service owns (the gateway's own).
 */
const methodsOfService = async (urls: ServiceUrls, path: string, timeoutMs: number): Promise<string[] | undefined> => {
  const service = serviceForPath(path);
  if (!service) return undefined;
  const answer = await httpRequest(`${urls[service].replace(/\/$/, '')}${path}`, { method: 'OPTIONS', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  await answer.body.dump();
  const allow = answer.statusCode === 204 ? answer.headers.allow : undefined;
  return typeof allow === 'string' ? allow.split(/\s*,\s*/).filter(Boolean) : [];
};

/** Sends `request` on to the service that owns its path, as it came, under `timeoutMs` for the whole exchange. */
const forward = (urls: ServiceUrls, request: FastifyRequest, reply: FastifyReply, service: RoutedServiceName, timeoutMs: number) => {
  // The gateway's server span is the parent of the service's: taken from the request, not
  // from whichever context is active when reply-from calls back.
  const trace = traceCarrierOf(request.otelContext);
  const deadline = cutWhenOverdue(reply, timeoutMs);
  // reply-from reports a refused connection twice when a body streams up (the request's error
  // and the body pipeline's), and the first answer is not `sent` until its onSend hooks ran: a
  // second send would fail on written headers and be logged and counted as a 500.
  let answered = false;
  return reply.from(`${urls[service].replace(/\/$/, '')}${request.url}`, {
    timeout: timeoutMs,
    rewriteRequestHeaders: (_req, headers) => ({ ...headers, 'x-request-id': request.id, ...trace }),
    rewriteHeaders: (headers) => forClient(headers),
    onResponse: (_req, _reply, response) => {
      const { statusCode, headers } = response.stream;
      const doubt = doubtOfAnswer(statusCode ?? 0, (name) => headers[name]);
      if (!doubt) return deadline.stream(response);
      // Intake gets the route's timeout; the deadline still cuts the refusal if it goes on after that.
      answerMarkedRefusal(urls, request, reply, response, deadline, timeoutMs, doubt).catch((error: unknown) => reply.send(error));
    },
    onError: (_reply, { error }) => {
      // Cut by the deadline after the headers went out: the client already sees the answer end short.
      if (answered || reply.raw.headersSent) return;
      answered = true;
      // The rest of the body is left unread on the connection: closing it keeps a keep-alive
      // client from sending its next request after bytes the server will never parse.
      if (bodyLimitExceeded(request)) return reply.header('connection', 'close').send(bodyTooLarge());
      // reply-from marks timeouts (its own, a connect timeout) 504; refused, reset and the rest are the service being down.
      const timedOut = statusCodeOf(error) === 504;
      // The answer's status, and what reply-from caught: its wrapper's own status (500 for a refused
      // connection) is not what the client got.
      const caught = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const { message, code } = caught instanceof Error ? (caught as Error & { code?: string }) : { message: String(caught), code: undefined };
      request.log.warn({ err: { message, code }, service, timeoutMs, statusCode: timedOut ? 504 : 503 }, 'forwarding failed');
      // A person's page answers with a page, in the reader's language, as rating's own would (docs/rating.md).
      if (isPage(request)) {
        const language = pickLanguage(undefined, request.headers['accept-language']);
        return sendPlainPage(request, reply, timedOut ? 504 : 503, language, stylesheetPath(RATE_PAGE_PREFIX));
      }
      if (!timedOut) reply.header('retry-after', '5');
      return sendProblem(reply, {
        type: problemType(timedOut ? 'upstream-timeout' : 'upstream-unavailable'),
        title: timedOut ? 'Gateway Timeout' : 'Service Unavailable',
        status: timedOut ? 504 : 503,
        detail: timedOut ? `${service} did not answer within ${timeoutMs} ms.` : `${service} is unavailable; retry later.`,
      });
    },
  });
};

/**
 * The upload routes (P8), in a scope of their own: as specific paths they take precedence over
 * the `/v1/*` catch-all for POST. A multipart/form-data body may be as large as the upload limit
 * and take as long as the upload deadline; any other body there (a JSON message) keeps the body
 * limit and timeout of every other route. Authentication and the rate limit run before a byte is
 * read, as everywhere.
 */
const forwardUploads = (urls: ServiceUrls, uploads: UploadForwarding, options: ForwardingOptions) => async (app: FastifyInstance) => {
  const otherBodyLimitBytes = options.bodyLimitBytes ?? app.initialConfig.bodyLimit ?? FASTIFY_BODY_LIMIT_BYTES;
  acceptRawBodies(app, (request) => (isUpload(request) ? uploads.bodyLimitBytes : otherBodyLimitBytes));
  for (const url of UPLOAD_ROUTES) {
    app.route({
      method: UPLOAD_METHOD,
      url,
      schema: { hide: true },
      // The service behind evaluates If-Match and If-None-Match, as on every forward.
      config: { preconditions: 'route' },
      handler: async (request, reply) => {
        const service = serviceForPath(request.url);
        if (!service) return answerUnroutedMethod(request, reply);
        const timeoutMs = isUpload(request) ? uploads.timeoutMs : upstreamTimeoutFor(request.url.split('?')[0], options);
        return forward(urls, request, reply, service, timeoutMs);
      },
    });
  }
};

/**
 * Services mode: requests under a service's prefix (DESIGN "Routes") go to that service, with
 * the caller's token (each service verifies it again), a request id and the W3C trace context of
 * the gateway's span. Bodies of any media type go on as the raw bytes that came, streamed, within
 * the body limit (413 beyond it); multipart uploads within the upload limit (`options.uploads`). A
 * service that is down yields a 503 problem; one that has not answered within its route's timeout
 * a 504 problem, and one whose answer is not complete by then is cut off: never a hang. On the
 * rating page (`/rate`) both are the plain "temporarily unavailable" page instead, with Retry-After.
 */
export const forwardToServices = (urls: ServiceUrls, options: ForwardingOptions) => async (app: FastifyInstance) => {
  // Its own request logging writes the whole upstream URL (`source`) at info: a rating link's
  // token, every query value. The gateway's request log line (route template, status) stays.
  await app.register(replyFrom, { http: { requestOptions: { timeout: options.timeoutMs } }, disableRequestLogging: true });
  acceptRawBodies(app);
  // A rating link the gateway's router cannot read (`/rate/%ff`) never reaches rating: it is a
  // person's link that opens nothing, so the plain 404 page rating would show, not a problem (docs/rating.md).
  // So is the request deadline's 408 of a rating form that did not arrive in time (request-deadline.ts).
  answerFrameworkErrorsUnder(app, RATE_PAGE_PREFIX, (error, request, reply) =>
    sendPlainPage(request, reply, pageStatusOfAreaError(error), pickLanguage(undefined, request.headers['accept-language']), stylesheetPath(RATE_PAGE_PREFIX)),
  );
  // PUBLIC_FORWARDS carry their own credential (a rating link, the inbound-mail secret): forwarded
  // without a token, checked by the service. Everything else needs a valid token here first.
  const publicForwards = new Set(PUBLIC_FORWARDS);
  // A path of the gateway's own under `/v1` reaches the forwards with a method none of its routes
  // takes: that method's 405 (or OPTIONS's 204) with the gateway's Allow, or the 404 of a path nothing serves.
  const forwardByPath = async (request: FastifyRequest, reply: FastifyReply) => {
    const service = serviceForPath(request.url);
    if (!service) return answerUnroutedMethod(request, reply);
    return forward(urls, request, reply, service, upstreamTimeoutFor(request.url.split('?')[0], options));
  };
  // If-Match and If-None-Match go on with the request: the service owning the path evaluates them
  // against its resource (service-kit preconditions.ts), as in one process.
  for (const url of ['/v1/*', ...PUBLIC_FORWARDS]) {
    app.route({
      method: [...METHODS],
      url,
      schema: { hide: true },
      config: { preconditions: 'route', ...(publicForwards.has(url) ? { public: true } : {}) },
      handler: forwardByPath,
    });
  }
  // OPTIONS asks which methods a path takes (RFC 9110 §9.3.7): the service that owns the path
  // knows, as it knows its 405s, and answers without a token, as one process does. A CORS
  // preflight never gets here: the edge answers it first (edge-protection.ts).
  app.route({ method: 'OPTIONS', url: '/v1/*', schema: { hide: true }, config: { public: true }, handler: forwardByPath });
  // A method no forward takes (CONNECT, TRACE, QUERY) is the owning service's 405 with the Allow its
  // OPTIONS answers, as in one process, or the 404 of a path nothing serves (method-not-allowed.ts).
  setMethodsBehind(app, (path) => methodsOfService(urls, path, options.timeoutMs));
  if (options.uploads) await app.register(namedPlugin('forwardUploads', forwardUploads(urls, options.uploads, options)));
};
