/**
 * Every problem type the API answers (RFC 9457 `type`: `https://tss.dev/problems/<name>`), with its
 * status and what it says in one line. `problemType` takes only these names, so a new type is
 * added here or does not compile; docs/problems.md describes each one and what a client should do
 * (test: libs/service-kit/test/problem-types-doc.spec.ts), and the OpenAPI document's
 * description lists them (`API_DESCRIPTION`).
 */
export const PROBLEM_TYPES = {
  validation: { status: 400, summary: 'A body, path, query or header fails its schema, or a check the schema cannot express; `errors[]` names the fields' },
  'malformed-json': { status: 400, summary: 'A JSON body that is empty or does not parse' },
  'invalid-utf-8': { status: 400, summary: 'A JSON body or multipart text field whose bytes are not UTF-8' },
  'invalid-reference': { status: 400, summary: 'A ticket reference number whose check character is wrong' },
  'bad-request': { status: 400, summary: 'Anything else malformed: a multipart body, a cursor, a percent-encoding, a repeated or missing header field' },
  'malformed-request': { status: 400, summary: 'Bytes that are not HTTP; the connection is closed' },
  'oauth/invalid_request': { status: 400, summary: 'The token request lacks a parameter, repeats one, or uses two authentication methods' },
  'oauth/invalid_client': { status: 401, summary: 'Client authentication failed at the token endpoint' },
  'oauth/invalid_scope': { status: 400, summary: 'The token request asks for a scope the client may not have' },
  'oauth/unsupported_grant_type': { status: 400, summary: 'A grant type other than client_credentials' },
  unauthorized: { status: 401, summary: 'No valid bearer token (or inbound-mail secret)' },
  forbidden: { status: 403, summary: 'The token does not allow the operation' },
  'not-found': { status: 404, summary: 'No such route, or nothing this caller may see by that id' },
  'method-not-allowed': { status: 405, summary: 'A method the path does not take; `Allow` lists those it does' },
  'request-timeout': { status: 408, summary: 'A request (its headers or its body) did not all arrive in time' },
  conflict: { status: 409, summary: 'The state of the resource does not allow the change' },
  'invalid-transition': { status: 409, summary: "A status change the ticket's status does not allow; names the allowed ones" },
  'idempotency-in-flight': { status: 409, summary: 'A retry while the first request with its Idempotency-Key still runs' },
  'idempotency-answer-withheld': { status: 409, summary: 'A retry of a request that succeeded and showed a secret once; `Location` names what it made' },
  gone: { status: 410, summary: 'Destroyed on purpose (credentials after resolution), or an expired link' },
  'precondition-failed': { status: 412, summary: '`If-Match` or `If-None-Match` is false for the resource as it is: nothing was changed (on a read, `If-Match`: nothing was sent)' },
  'payload-too-large': { status: 413, summary: 'A body, file, message or form field over its limit' },
  'uri-too-long': { status: 414, summary: 'A request target or path parameter over its limit' },
  'unsupported-media-type': { status: 415, summary: 'A body of a media type the route does not take, or an attachment of a refused type' },
  unprocessable: { status: 422, summary: 'A rule of the service the request breaks' },
  'idempotency-key-reused': { status: 422, summary: 'An Idempotency-Key sent again with another request' },
  'precondition-required': { status: 428, summary: 'A change that needs `If-Match` was sent without it (or with `*`)' },
  'rate-limited': { status: 429, summary: 'Over the rate limit; `Retry-After` says when to retry' },
  'header-fields-too-large': { status: 431, summary: 'Request line and headers over 16 KiB; the connection is closed' },
  'client-error': { status: '4xx', summary: 'A client error none of the above names' },
  internal: { status: 500, summary: 'A fault of ours, logged' },
  unavailable: { status: 503, summary: 'A dependency of the service is down; `Retry-After` says when to retry' },
  'shutting-down': { status: 503, summary: 'This instance is draining; retry (another instance answers)' },
  'not-ready': { status: 503, summary: '`/readyz`: the instance cannot serve requests now' },
  'ticket-not-yet-visible': { status: 503, summary: 'A ticket you may see, filed (or, for a rating, resolved) a moment ago, that the part answering has not learned of yet; retry after `Retry-After`' },
  'upstream-unavailable': { status: 503, summary: 'Services mode: the service behind the gateway did not answer' },
  'upstream-timeout': { status: 504, summary: 'Services mode: the service behind the gateway did not answer in time' },
} as const satisfies Record<string, { status: number | '4xx'; summary: string }>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

export const PROBLEM_TYPE_BASE = 'https://tss.dev/problems/';

/** A problem's `type`: always one of PROBLEM_TYPES. */
export type ProblemTypeUri = `${typeof PROBLEM_TYPE_BASE}${ProblemSlug}`;

export const isProblemSlug = (name: string): name is ProblemSlug => Object.hasOwn(PROBLEM_TYPES, name);

export const problemType = (slug: ProblemSlug): ProblemTypeUri => `${PROBLEM_TYPE_BASE}${slug}`;

/**
 * The OpenAPI document's `info.description` (one process and the gateway's merged document): what
 * TSS is, and every problem type an operation may answer, with where each is described.
 */
export const API_DESCRIPTION = [
  'Technical Support Service: tickets, SLA clocks, notifications, escalations and ratings.',
  '',
  'Every error is an RFC 9457 `application/problem+json` document. Its `type` is `https://tss.dev/problems/` and one of the names below; ' +
    '`docs/problems.md` describes each one and what a client should do.',
  '',
  '| type | status | when |',
  '| --- | --- | --- |',
  ...Object.entries(PROBLEM_TYPES).map(([slug, { status, summary }]) => `| \`${slug}\` | ${status} | ${summary} |`),
].join('\n');
