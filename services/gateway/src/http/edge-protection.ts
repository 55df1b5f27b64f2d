import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { Type, type Static } from '@sinclair/typebox';
import type { Redis } from 'ioredis';
import { envSchema, isMultipartForm, isUpload, lazily, loadConfig, RequestDeadlineEnv, systemClock } from '@tss/service-kit';
import { sitePartnerOf } from '../domain/site-client';
import { clientAddress, parseTrustProxy, TrustProxySetting, type ProxyTrust } from './client-address';
import { snapshotRateLimitStore } from './rate-limit-store';
import { bodyTooLarge } from './raw-body';

const ORIGIN = 'https?://[^\\s,/]+';

/** The edge's settings: the gateway in services mode, the shared app in one process. */
export const EdgeEnv = {
  TSS_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 600, description: 'Requests per window per client (per address before authentication)' }),
  TSS_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 60_000, description: 'Length of the rate-limit window; at most a day' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://', description: 'Share rate-limit counters between replicas; in-memory when absent' })),
  TSS_CORS_ORIGINS: Type.Optional(
    Type.String({ pattern: `^${ORIGIN}(\\s*,\\s*${ORIGIN})*$`, description: 'Comma-separated browser origins allowed by CORS; CORS is off when absent' }),
  ),
  TSS_BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Largest request body; larger ones get 413' }),
  TSS_UPLOAD_BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    default: 27 * 1_048_576,
    description: "Largest multipart/form-data body on the upload routes (attachments, messages with files): intake's ATTACHMENT_MAX_MESSAGE_BYTES plus the form's overhead; larger ones get 413",
  }),
  // One declaration with every server's (service-kit): the gateway process reads both schemas.
  TSS_REQUEST_TIMEOUT_MS: RequestDeadlineEnv.TSS_REQUEST_TIMEOUT_MS,
  TSS_UPLOAD_TIMEOUT_MS: RequestDeadlineEnv.TSS_UPLOAD_TIMEOUT_MS,
  TSS_TRUST_PROXY: TrustProxySetting,
};
export const EdgeConfigSchema = envSchema(EdgeEnv);
export type EdgeConfig = Static<typeof EdgeConfigSchema>;

/** The schema defaults: what the edge does when nothing is configured. */
export const defaultEdgeConfig = (): EdgeConfig => loadConfig(EdgeConfigSchema, {});

/**
 * What a browser script may send beyond the CORS-safelisted headers: every request header the API
 * takes. An agent's PATCH needs `If-Match` (428 without it), a conditional GET `If-None-Match`.
 * The mail provider's shared-secret header is left out: no browser makes that call.
 */
const CORS_REQUEST_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'if-match', 'if-none-match', 'traceparent', 'tracestate', 'x-request-id'];
/**
 * What a browser script may read beyond the CORS-safelisted headers: every response header the
 * API documents (response-headers-docs.ts, an attachment's `Content-Disposition`), a 401's
 * `WWW-Authenticate` and a 405's `Allow`. Checked against the OpenAPI document in edge-protection.int.spec.ts.
 */
const CORS_RESPONSE_HEADERS = [
  'location',
  'etag',
  'idempotent-replayed',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'content-disposition',
  'www-authenticate',
  // A 405's (RFC 9110 §15.5.6): the methods the path takes.
  'allow',
  'x-request-id',
];

/** Probes answer whatever the load; a limited `/readyz` would read as an outage. */
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz']);

/** Thrown by the rate limiter; the app's error handler turns it into a 429 problem (problem.ts). */
class RateLimitExceeded extends Error {
  readonly statusCode = 429;
  readonly code = 'rate-limited';
}

/**
 * Per client once authenticated; per address for a request without a valid token (none, forged,
 * expired: authentication answers its 401 after this hook, so it is counted), which behind the
 * ingress is the forwarded one.
 */
const rateLimitKey =
  (trust: ProxyTrust) =>
  (request: FastifyRequest): string => {
    const principal = request.principal;
    // The support site's tokens share the partner's site client: each requester has a budget of their own.
    if (principal?.clientId && sitePartnerOf(principal.clientId)) return `client:${principal.clientId}:${principal.requesterId ?? principal.subject}`;
    const caller = principal?.clientId ?? principal?.subject;
    if (caller) return `client:${caller}`;
    return `ip:${clientAddress(request.raw.socket.remoteAddress ?? request.ip, request.headers['x-forwarded-for'], trust)}`;
  };

/**
 * App-wide protections at the edge (docs/adr/0011): security headers, CORS only for configured
 * origins, a body-size limit, and a rate limit per client (per address without a valid token). Call it before any
 * route is registered (`beforeRoutes`): the body and rate limits attach to routes as they come.
 */
export const installEdgeProtection = async (app: FastifyInstance, config: EdgeConfig): Promise<void> => {
  const trust = parseTrustProxy(config.TSS_TRUST_PROXY);
  // The app's limit is fixed when it is created; a route-level limit applies to every route from
  // here on. Routes that declare their own keep it. Over the limit, fastify's
  // FST_ERR_CTP_BODY_TOO_LARGE becomes a 413 problem in the app's error handler.
  app.addHook('onRoute', (route: RouteOptions) => {
    route.bodyLimit ??= config.TSS_BODY_LIMIT_BYTES;
  });
  // A multipart body is read by its route's own parser (@fastify/multipart in intake's upload
  // routes, the raw stream when the gateway forwards it), which fastify's body limit does not
  // reach: its declared size is checked here, before a byte is read, against the upload limit on
  // an upload route and the route's limit anywhere else. The same in both modes (upload-routes.ts);
  // the gateway's forwarding also cuts a chunked one, intake's upload limits bound what it reads.
  app.addHook('onRequest', async (request) => {
    if (!isMultipartForm(request)) return;
    const limitBytes = isUpload(request) ? config.TSS_UPLOAD_BODY_LIMIT_BYTES : request.routeOptions.bodyLimit;
    if (Number(request.headers['content-length']) > limitBytes) throw bodyTooLarge();
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      // helmet's defaults (useDefaults) suit the swagger-ui at /docs: it loads only same-origin
      // scripts and styles, no inline ones. Its validator badge is an image from validator.swagger.io.
      directives: {
        'img-src': ["'self'", 'data:', 'validator.swagger.io'],
        // TLS ends at the ingress; over plain HTTP (npm start) this would break the docs page.
        'upgrade-insecure-requests': null,
      },
    },
  });

  const origins = (config.TSS_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length > 0) {
    // A preflight never carries credentials (Fetch standard), so its catch-all route must not ask for a token.
    app.addHook('onRoute', (route: RouteOptions) => {
      if (route.method === 'OPTIONS' && route.url === '*') route.config = { ...route.config, public: true };
    });
    const corsOptions = { origin: origins, methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], allowedHeaders: CORS_REQUEST_HEADERS, exposedHeaders: CORS_RESPONSE_HEADERS, maxAge: 600 };
    // An OPTIONS without Access-Control-Request-Method is no preflight (Fetch standard) but a
    // client asking which methods a path takes: the CORS headers, and then the answer it gets
    // without CORS (204 with Allow, http/method-not-allowed.ts), not the plugin's plain-text 400.
    const notPreflight = { ...corsOptions, preflight: false };
    await app.register(cors, {
      delegator: (request, callback) => callback(null, request.method === 'OPTIONS' && request.headers['access-control-request-method'] === undefined ? notPreflight : corsOptions),
    });
  }

  const redis = config.REDIS_URL ? await connectRedis(app, config.REDIS_URL) : undefined;
  await app.register(rateLimit, {
    // A route-level preParsing hook runs after every onRequest hook, authentication's included,
    // so the key is the client; before authentication's refusal (its own preParsing hook, added
    // after this one), so a 401 or 403 is counted too; and before the body is read, so a refused
    // request costs little.
    hook: 'preParsing',
    max: config.TSS_RATE_LIMIT_MAX,
    timeWindow: config.TSS_RATE_LIMIT_WINDOW_MS,
    keyGenerator: rateLimitKey(trust),
    allowList: (request) => UNLIMITED_PATHS.has(request.url.split('?')[0]),
    // RateLimit-Limit/-Remaining/-Reset (IETF draft) instead of X-RateLimit-*, and Retry-After on 429.
    enableDraftSpec: true,
    // Without Redis, counters of this process; each request reads its own count (rate-limit-store.ts).
    // Rate windows are wall-clock time at the edge, as the library's own store kept them.
    ...(redis ? { redis, nameSpace: 'tss:rate-limit:', skipOnError: true } : { store: snapshotRateLimitStore(systemClock) }),
    onExceeded: (request, key) => request.log.info({ rateLimitKey: key }, 'rate limit exceeded'),
    errorResponseBuilder: (_request, context) =>
      new RateLimitExceeded(`More than ${context.max} requests in the window; retry in ${context.after}.`),
  });
};

/**
 * Counters shared by the replicas. If Redis goes away the limiter lets requests through
 * (skipOnError) rather than failing the API: commands fail fast instead of queueing. Start waits
 * for the first connection, so the first requests are counted too, but not beyond a failure.
 */
const connectRedis = async (app: FastifyInstance, url: string): Promise<Redis> => {
  // Loaded only when a Redis is configured (docs/adr/0048, idle memory).
  const { Redis } = lazily<typeof import('ioredis')>('ioredis');
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  let available = true; // log each outage once, not every reconnection attempt
  redis.on('error', (error: Error) => {
    if (available) app.log.warn({ err: error }, 'rate-limit store unavailable; requests are not limited until it is back');
    available = false;
  });
  redis.on('ready', () => {
    if (!available) app.log.info('rate-limit store available again');
    available = true;
  });
  app.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  await redis.connect().catch(() => undefined); // reported by the 'error' listener; ioredis keeps reconnecting
  return redis;
};
