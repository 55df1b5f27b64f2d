import { ClientRequest, IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { Span } from '@opentelemetry/api';
import type { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Instrumentation, InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import type { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { cloudEventKafkaJsInstrumentation } from './kafkajs-instrumentation';
import { lazily } from '../lazily';
import { loggablePath } from '../loggable-path';
import { rememberServerSpan } from './server-spans';
import { isScrapeRequest } from '../scrape-ports';

const carriesTraceparent = (headers: OutgoingHttpHeaders | readonly string[] | undefined): boolean =>
  headers !== undefined && !Array.isArray(headers) && Object.keys(headers).some((name) => name.toLowerCase() === 'traceparent');

/** The path of a request target, without its query (OpenTelemetry: `url.path` holds no query). */
const pathOf = (target: string): string => target.split('?')[0];

/**
 * `url.query` with every value replaced (the instrumentation's own convention, `REDACTED`): the
 * names show which filters a request used, the values are a caller's words (a staff search's `q`)
 * and stay out of traces. A name that is not a plain parameter name is replaced too.
 */
const REDACTED = 'REDACTED';
const PLAIN_PARAMETER_NAME = /^[\w.[\]-]{1,64}$/;
const redactedQuery = (target: string): string | undefined => {
  const at = target.indexOf('?');
  if (at < 0) return undefined;
  const pairs = target.slice(at + 1).split('&').filter((pair) => pair.length > 0);
  if (pairs.length === 0) return undefined;
  return pairs
    .map((pair) => {
      const name = pair.split('=')[0];
      return `${PLAIN_PARAMETER_NAME.test(name) ? name : REDACTED}=${REDACTED}`;
    })
    .join('&');
};

/**
 * Sets `url.path` to the path alone, a link's token redacted (ADR 0007: a credential is no span
 * attribute either): the instrumentations record the target as it came, query included.
 */
const setPathAttributes = (span: Span, target: string): void => {
  span.setAttribute('url.path', loggablePath(pathOf(target)));
};

/**
 * A client span's `url.full` as the server span's attributes: the path with a link's token
 * redacted, the query's values replaced. The instrumentation redacts only a few signing
 * parameters (`X-Amz-Signature`…), so a partner's webhook or identity provider URL with a token in
 * its query would otherwise be exported whole.
 */
const setClientUrl = (span: Span, request: ClientRequest): void => {
  const host = request.getHeader('host') ?? request.host;
  const query = redactedQuery(request.path);
  span.setAttribute('url.full', `${request.protocol}//${String(host)}${loggablePath(pathOf(request.path))}${query === undefined ? '' : `?${query}`}`);
};

/**
 * What a trace shows without hand-made spans: HTTP in and out, fastify's handlers, SQL, Kafka.
 * Their packages load here, on first call: only a process that exports spans calls it.
 */
export const platformInstrumentations = (): Instrumentation[] => [
  new (lazily<{ HttpInstrumentation: typeof HttpInstrumentation }>('@opentelemetry/instrumentation-http').HttpInstrumentation)({
    // A request that already carries a traceparent was propagated by hand (the gateway forwards
    // with its server span as the parent, one hop per span): a client span would replace it.
    ignoreOutgoingRequestHook: (request) => carriesTraceparent(request.headers),
    // Prometheus scrapes (METRICS_PORT, each pod at every scrape interval) are no one's request: a trace each would
    // only bury real ones. Only the scrape port's: `/metrics` on the API port is an unknown path,
    // traced as any (its 404 line carries a real trace id). Health probes stay traced: `/readyz`
    // runs SQL, and its trace shows which check failed (docs/operations.md#traces).
    ignoreIncomingRequestHook: (request) => isScrapeRequest(request),
    requestHook: (span, request) => {
      if (request instanceof ClientRequest) return setClientUrl(span, request);
      if (!(request instanceof IncomingMessage)) return;
      rememberServerSpan(request, span);
      const target = request.url ?? '';
      setPathAttributes(span, target);
      const query = redactedQuery(target);
      if (query !== undefined) span.setAttribute('url.query', query);
    },
  }),
  // Hooks would add a span per lifecycle hook of every request (auth, metrics, drain…): noise.
  new (lazily<{ FastifyOtelInstrumentation: typeof FastifyOtelInstrumentation }>('@fastify/otel').FastifyOtelInstrumentation)({
    registerOnInitialization: true,
    instrumentHooks: false,
    // Its `request` span records `url.path` as the whole target, query included.
    requestHook: (span, request) => setPathAttributes(span, request.url),
    // Route handlers are anonymous, and so are most plugins: @fastify/otel names the span, and sets
    // `hook.name`, after the plugin's name, which fastify takes from its source text (kilobytes of
    // code in a bundle). Both are set from the hook and the route instead.
    lifecycleHook: (span, { hookName, request }) => {
      const name = `${hookName} ${request.method} ${request.routeOptions.url ?? loggablePath(pathOf(request.url))}`;
      span.updateName(name).setAttribute('hook.name', name);
    },
  }),
  // Only SQL run for a request or an event: the relays' and timers' idle polls would each be a trace.
  new (lazily<{ PgInstrumentation: typeof PgInstrumentation }>('@opentelemetry/instrumentation-pg').PgInstrumentation)({ requireParentSpan: true }),
  cloudEventKafkaJsInstrumentation(),
];

const requireHere = createRequire(__filename);

interface PatchesModules {
  getModuleDefinitions(): InstrumentationModuleDefinition[];
}

const hasModuleDefinitions = (instrumentation: Instrumentation): instrumentation is Instrumentation & PatchesModules =>
  typeof (instrumentation as Partial<PatchesModules>).getModuleDefinitions === 'function';

const versionOf = (name: string): string | undefined => {
  try {
    const manifest: unknown = requireHere(`${name}/package.json`);
    return typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined; // a package whose `exports` hide package.json: the version only labels spans
  }
};

/**
 * Applies each instrumentation's module patch to the module as this process already loaded it.
 * Instrumentations normally patch at `require` time, which misses modules the entry points
 * imported before `startTracing` ran, modules loaded by Jest's own module registry, and bundles.
 * The patches wrap prototypes (pg's `Client`, pg-pool's `Pool`, kafkajs's `Kafka`) and unwrap
 * first, so patching late, or twice, is safe, and existing instances are covered.
 */
export const patchLoadedModules = (instrumentations: readonly Instrumentation[], load: (name: string) => unknown = requireHere): void => {
  for (const instrumentation of instrumentations) {
    if (!hasModuleDefinitions(instrumentation)) continue; // fastify's subscribes to a diagnostics channel instead
    for (const definition of instrumentation.getModuleDefinitions()) {
      if (!definition.patch) continue;
      let loaded: unknown;
      try {
        loaded = load(definition.name);
      } catch {
        continue; // not installed here (e.g. pg-native): nothing to patch
      }
      definition.moduleVersion = versionOf(definition.name);
      definition.moduleExports = definition.patch(loaded, definition.moduleVersion);
    }
  }
};
