/**
 * The response headers the OpenAPI document describes, each once under `components.headers`, and
 * the rules that say which responses carry them. Most follow from what the document already says
 * (a 201, an Idempotency-Key or If-Match parameter, a 429); a route declares only what cannot be
 * told from its schema (`config.responseHeaders`).
 */

export const RESPONSE_HEADERS = {
  Location: {
    description:
      'On a 201, the resource the request created, which a GET reads (RFC 9110 §10.2.2, docs/adr/0065). On the 409 ' +
      '`idempotency-answer-withheld` of an operation that takes an Idempotency-Key, what the first request with the key made, or ' +
      'the client or webhook endpoint whose secret it rotated (docs/adr/0028)',
    schema: { type: 'string', format: 'uri-reference' },
  },
  ETag: {
    description: 'The version of the resource (RFC 9110 §8.8.3): send it in `If-Match` to change it, in `If-None-Match` to read it only once it changed',
    schema: { type: 'string' },
  },
  'Idempotent-Replayed': {
    description:
      '`true` on the answer kept for an earlier request with the same Idempotency-Key, replayed: a success, a 4xx the operation ' +
      'answered, or the 409 `idempotency-answer-withheld` in place of an answer that showed a secret once (docs/adr/0028)',
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (RFC 9110 §10.2.3)',
    schema: { type: 'integer', minimum: 0 },
  },
  'RateLimit-Limit': {
    description: 'Requests the caller may make in the window (IETF draft-ietf-httpapi-ratelimit-headers; docs/adr/0011)',
    schema: { type: 'integer', minimum: 0 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: { type: 'integer', minimum: 0 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the window ends',
    schema: { type: 'integer', minimum: 0 },
  },
  'Cache-Control': {
    description:
      'How the answer may be kept (RFC 9111 §5.2.2): `no-store` on every answer of the token endpoint and on those that show a secret or ' +
      'credential once (a new or rotated client secret, a requester token, a webhook signing secret, access particulars stored or revealed, ' +
      'a support-site link, a survey read by its link), which no cache, nor the Idempotency-Key table, keeps (docs/adr/0028); ' +
      '`private, no-store` on an attachment’s bytes; `public, max-age=60` on the key set, which a verifier may reuse for a minute',
    schema: { type: 'string', enum: ['no-store', 'private, no-store', 'public, max-age=60'] },
  },
  'WWW-Authenticate': {
    description:
      'On every 401, how to authenticate (RFC 9110 §11.6.1, docs/auth.md): `Bearer realm="tss"` on the API (with `error="invalid_token"` ' +
      'when a token was sent and refused), `Basic realm="tss"` on the token endpoint, `TSS-Inbound-Secret realm="tss-inbound-mail"` on ' +
      'inbound mail (the `x-tss-inbound-secret` header)',
    schema: { type: 'string' },
  },
} as const;

export type ResponseHeaderName = keyof typeof RESPONSE_HEADERS;

/** Headers a route sends that its schema cannot tell, by response status (`{ 201: ['ETag'] }`), or on `every` answer it gives. */
export type DeclaredResponseHeaders = Readonly<Partial<Record<number | 'every', readonly ResponseHeaderName[]>>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Response headers for the document that no rule in response-headers-docs.ts derives. */
    responseHeaders?: DeclaredResponseHeaders;
  }
}

const RATE_LIMIT_HEADERS: readonly ResponseHeaderName[] = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/**
 * Refused before the edge's rate limiter counts the request (an over-long target, checked as it
 * arrives; headers Node's parser refuses), so before an Idempotency-Key is claimed too.
 */
const ANSWERED_BEFORE_THE_LIMITER = new Set(['414', '431']);
/**
 * Answered before an Idempotency-Key is claimed, so never kept and never replayed: also a missing
 * or refused token (401), the limit itself (429) and a false If-Match or If-None-Match (412: the
 * app's precondition hook runs before the services' hooks; no keyed route has an ETag of its own).
 * Every other answer below 500 may be a replay.
 */
const ANSWERED_BEFORE_THE_CLAIM = new Set([...ANSWERED_BEFORE_THE_LIMITER, '401', '412', '429']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const headerParameters = (operation: Record<string, unknown>): Set<string> =>
  new Set(
    (Array.isArray(operation.parameters) ? operation.parameters : [])
      .filter((p): p is Record<string, unknown> => isRecord(p) && p.in === 'header')
      .map((p) => String(p.name).toLowerCase()),
  );

/**
 * The headers one response of an operation carries:
 * - every 201 names what it created (`Location`, docs/adr/0065);
 * - an operation that takes `If-Match` or `If-None-Match` sends the `ETag` on its 2xx and 304;
 * - one that takes an `Idempotency-Key` marks a replayed answer (`Idempotent-Replayed`): a 2xx, or
 *   a 4xx other than those answered before the key is claimed; its 409 says when to retry (the
 *   first request still running) or, withheld, where what the first request made is (`Location`);
 * - every 401 names how to authenticate (`WWW-Authenticate`);
 * - one behind the edge's rate limit (it lists 429) sends `RateLimit-*` on every answer the limiter
 *   counted: all but the 414 and 431 refused before it; its 429 also says when to retry, and so
 *   does every 503 (draining, a dependency down);
 * - and whatever the route declares for the status.
 */
export const headersOfResponse = (operation: Record<string, unknown>, status: string, declared: DeclaredResponseHeaders | undefined): ResponseHeaderName[] => {
  const responses = isRecord(operation.responses) ? operation.responses : {};
  const parameters = headerParameters(operation);
  const success = /^2/.test(status);
  const rateLimited = '429' in responses;
  const keyed = parameters.has('idempotency-key');
  const names: ResponseHeaderName[] = [];
  if (status === '201' || (status === '409' && keyed)) names.push('Location');
  if ((success || status === '304') && (parameters.has('if-match') || parameters.has('if-none-match'))) names.push('ETag');
  if (keyed && (success || (/^4/.test(status) && !ANSWERED_BEFORE_THE_CLAIM.has(status)))) names.push('Idempotent-Replayed');
  if (rateLimited && !ANSWERED_BEFORE_THE_LIMITER.has(status)) names.push(...RATE_LIMIT_HEADERS);
  if (status === '429' || status === '503' || (status === '409' && keyed)) names.push('Retry-After');
  if (status === '401') names.push('WWW-Authenticate');
  names.push(...(declared?.[Number(status)] ?? []), ...(declared?.every ?? []));
  return [...new Set(names)];
};

/**
 * Adds the response headers to every response of the document, by reference to
 * `components.headers` (each described once). `declaredFor` gives a route's own declaration by
 * method and path.
 */
export const documentResponseHeaders = (
  document: { paths?: Record<string, Record<string, unknown>>; components?: Record<string, Record<string, unknown> | undefined> },
  declaredFor: (method: string, path: string) => DeclaredResponseHeaders | undefined,
): void => {
  document.components = { ...document.components, headers: { ...document.components?.headers, ...structuredClone(RESPONSE_HEADERS) } };
  for (const [path, pathItem] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(pathItem)) {
      if (!isRecord(operation) || !isRecord(operation.responses)) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!isRecord(response)) continue;
        const names = headersOfResponse(operation, status, declaredFor(method.toUpperCase(), path));
        if (names.length === 0) continue;
        const headers = isRecord(response.headers) ? response.headers : {};
        for (const name of names) headers[name] ??= { $ref: `#/components/headers/${name}` };
        response.headers = headers;
      }
    }
  }
};
