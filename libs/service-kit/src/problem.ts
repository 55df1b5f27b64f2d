import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { cutText, isStorableText, STORABLE_TEXT_FORMAT, TICKET_BEHIND_HEADER, UNKNOWN_TICKET_HEADER, VISIBLE_TEXT_FORMAT, type TicketStatus } from '@tss/contracts';
import { isConnectionFailure, isUnansweredStatement } from './infrastructure-errors';
import { collapseLiteralUnions } from './literal-union-errors';
import { loggablePath } from './loggable-path';
import { isProblemSlug, problemType, type ProblemSlug, type ProblemTypeUri } from './problem-types';

// Say what ajv's 'must match format "text"' and '… "visible-text"' mean (libs/contracts Text, VisibleText).
const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL (U+0000) or an unpaired UTF-16 surrogate';
const BLANK_TEXT_MESSAGE = 'must contain a visible character, not only white space, zero-width, format or control characters';

type ValidationError = NonNullable<FastifyError['validation']>[number] & { data?: unknown };


/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * What a problem is sent with: its `type` is one of PROBLEM_TYPES (problem-types.ts), so each is
 * documented. `instance` is the request's (problemInstanceOf) unless given; `null` sends none.
 */
export type ProblemInput = Pick<Problem, 'title' | 'status' | 'detail'> & { type: ProblemTypeUri; instance?: string | null } & Record<string, unknown>;

/**
 * A problem's `instance`: the request's path (docs/problems.md), as logs show it. Never the query,
 * which may carry what the problem has no business repeating (a search for a pasted token, a
 * 9,000-character target a 414 refused), nor a link's token (`/v1/ratings/<token>`: loggable-path.ts).
 */
export const problemInstanceOf = (url: string): string => loggablePath(url.split('?')[0]);

export const sendProblem = (reply: FastifyReply, problem: ProblemInput): FastifyReply => {
  const { instance = problemInstanceOf(reply.request.url), ...rest } = withBoundedErrors(problem);
  return reply
    .code(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(instance === null ? rest : { ...rest, instance });
};

/**
 * The HTTP face of every failure kind a use case or the edge returns (style: errors are values at
 * boundaries; the edge maps them). One table, so the same kind is the same status, type and title
 * on every route, and a route's documented statuses come from the kinds it can return.
 */
export const FAILURES = {
  /**
   * A readable request whose values are refused, by its schema or by a check the schema cannot
   * express (an unknown escalation kind, overlapping hours, a leap second): `errors[]` names each.
   */
  validation: { status: 400, slug: 'validation', title: 'Your request is not valid' },
  /** Input that cannot be read as the route takes it (docs/problems.md): a broken multipart body, a cursor not ours. */
  bad_request: { status: 400, slug: 'bad-request', title: 'Bad Request' },
  /** A JSON body that is empty or does not parse as JSON (RFC 8259). */
  malformed_json: { status: 400, slug: 'malformed-json', title: 'Bad Request' },
  /** Text whose bytes are not UTF-8: the type a JSON body with such bytes gets too (http/json-body.ts). */
  invalid_utf8: { status: 400, slug: 'invalid-utf-8', title: 'Bad Request' },
  /** P3: a reference number whose check character is wrong, or no reference at all. */
  invalid_reference: { status: 400, slug: 'invalid-reference', title: 'Invalid reference' },
  forbidden: { status: 403, slug: 'forbidden', title: 'Forbidden' },
  not_found: { status: 404, slug: 'not-found', title: 'Not Found' },
  /**
   * A ticket a service's own projection (fed by intake's events) does not hold for the caller: to
   * the client the same 404 as `not_found`, marked for the gateway, which asks intake whether the
   * ticket is only not here yet (docs/adr/0068). Only services other than ticket-intake return it.
   */
  unknown_ticket: { status: 404, slug: 'not-found', title: 'Not Found' },
  conflict: { status: 409, slug: 'conflict', title: 'Conflict' },
  /**
   * A ticket a service's own projection holds as not resolved where the route needs it resolved
   * (rating: no survey to answer, or the last one withdrawn by a reopening): to the client the same
   * 409 as `conflict`, marked for the gateway, which asks intake whether the resolution has only not
   * reached the service yet (docs/adr/0068, addendum of 2026-12-05). Only on a path that names the ticket.
   */
  unresolved_ticket: { status: 409, slug: 'conflict', title: 'Conflict' },
  /** IETF Idempotency-Key draft: a retry while the first request with the key is still being processed. */
  idempotency_in_flight: { status: 409, slug: 'idempotency-in-flight', title: 'Conflict' },
  /**
   * The first request with the key succeeded, but its answer showed a secret once (Cache-Control:
   * no-store) and was not kept, so it cannot be replayed (docs/adr/0028).
   */
  idempotency_answer_withheld: { status: 409, slug: 'idempotency-answer-withheld', title: 'Conflict' },
  /** IETF Idempotency-Key draft: the key was used with a different request. */
  idempotency_mismatch: { status: 422, slug: 'idempotency-key-reused', title: 'Unprocessable Content' },
  /** A state change the ticket's status does not allow; the problem names the allowed ones. */
  invalid_transition: { status: 409, slug: 'invalid-transition', title: 'Conflict' },
  /** Existed, and was destroyed on purpose (P9: credentials after resolution). */
  gone: { status: 410, slug: 'gone', title: 'Gone' },
  precondition_failed: { status: 412, slug: 'precondition-failed', title: 'Precondition Failed' },
  precondition_required: { status: 428, slug: 'precondition-required', title: 'Precondition Required' },
  payload_too_large: { status: 413, slug: 'payload-too-large', title: 'Content Too Large' },
  unsupported_media_type: { status: 415, slug: 'unsupported-media-type', title: 'Unsupported Media Type' },
  unprocessable: { status: 422, slug: 'unprocessable', title: 'Unprocessable Content' },
  /**
   * The ticket exists for the caller but the answering part has not learned of it yet (its event
   * is on its way): retry after `Retry-After` (docs/adr/0068). The gateway makes it of a service's
   * `unknown_ticket`; the gateway's own support-site projection returns it directly.
   */
  ticket_not_yet_visible: { status: 503, slug: 'ticket-not-yet-visible', title: 'Service Unavailable' },
  /** Over the edge's rate limit (docs/adr/0011), as another layer answered it. */
  rate_limited: { status: 429, slug: 'rate-limited', title: 'Too Many Requests' },
} as const satisfies Record<string, { status: number; slug: ProblemSlug; title: string }>;

export type FailureKind = keyof typeof FAILURES;

/** How soon a client may ask again for a ticket filed a moment ago: the services learn of one in well under a second (docs/adr/0068). */
export const TICKET_NOT_YET_VISIBLE_RETRY_AFTER_SECONDS = 1;

/** A failure as a use case returns it: its kind, what went wrong, and problem extensions if any. */
export interface Failure {
  kind: FailureKind;
  detail?: string;
  extensions?: Record<string, unknown>;
}

export const problemFor = (failure: Failure): ProblemInput => {
  const { status, slug, title } = FAILURES[failure.kind];
  return { ...failure.extensions, type: problemType(slug), title, status, ...(failure.detail ? { detail: failure.detail } : {}) };
};

/**
 * The ticket status intake shows when a failure of this kind means only that the service's
 * projection is behind intake's events (TICKET_BEHIND_HEADER, docs/adr/0068, addendum of 2026-12-05).
 */
const TICKET_STATUS_IF_BEHIND: Readonly<Partial<Record<FailureKind, TicketStatus>>> = { unresolved_ticket: 'resolved' };

/**
 * Answers a failure as problem+json (RFC 9457), by the FAILURES table; an `unknown_ticket` or an
 * `unresolved_ticket` marked for the gateway (docs/adr/0068 and its addendum of 2026-12-05).
 */
export const sendFailure = (reply: FastifyReply, failure: Failure): FastifyReply => {
  if (failure.kind === 'unknown_ticket') reply.header(UNKNOWN_TICKET_HEADER, '?1');
  const statusIfBehind = TICKET_STATUS_IF_BEHIND[failure.kind];
  if (statusIfBehind) reply.header(TICKET_BEHIND_HEADER, statusIfBehind);
  if (failure.kind === 'ticket_not_yet_visible') reply.header('retry-after', String(TICKET_NOT_YET_VISIBLE_RETRY_AFTER_SECONDS));
  return sendProblem(reply, problemFor(failure));
};

/**
 * What a route that answers `unknown_ticket` or `unresolved_ticket` may answer instead, through the
 * gateway: the ticket exists for the caller (is resolved), and this service has not learned of it
 * (of the resolution) yet (docs/adr/0068 and its addendum of 2026-12-05).
 */
const ticketNotYetVisibleResponse = (kinds: readonly FailureKind[]): Record<number, { $ref: 'Problem#'; description: string }> => {
  const moments = [
    ...(kinds.includes('unknown_ticket') ? ['the ticket was filed a moment ago and this service has not learned of it yet'] : []),
    ...(kinds.includes('unresolved_ticket') ? ['the ticket was resolved a moment ago and what its resolution brings here (a rating’s survey) is not ready yet'] : []),
  ];
  if (moments.length === 0) return {};
  return {
    503: {
      $ref: 'Problem#',
      description:
        `\`ticket-not-yet-visible\`: ${moments.join('; or ')}; retry after \`Retry-After\` seconds. ` +
        'Also `upstream-unavailable`, `unavailable`, `shutting-down`: a service or dependency is down, or the instance is draining.',
    },
  };
};

/**
 * The `response` entries of the failures a route can return beyond the common ones (api-docs.ts);
 * `unknown_ticket` and `unresolved_ticket` bring the 503 the gateway may make of them.
 */
export const failureResponses = (...kinds: FailureKind[]): Record<number, { $ref: 'Problem#'; description?: string }> => ({
  ...Object.fromEntries(kinds.map((kind) => [FAILURES[kind].status, { $ref: 'Problem#' as const }])),
  ...ticketNotYetVisibleResponse(kinds),
});

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * A validation problem lists at most this many errors, and `errorCount` says how many there were:
 * ajv (allErrors) reports one error per offending key or item, so a large bad body (a buffer, a map
 * of thousands of unknown fields) once made an answer of 150 MB. The answer stays a few KB.
 */
export const MAX_LISTED_VALIDATION_ERRORS = 10;
/** A pointer, message or property name taken from the input is cut to this many characters. */
const MAX_ECHOED_CHARS = 100;
const MAX_DETAIL_CHARS = 500;

const clipped = (text: string, max = MAX_ECHOED_CHARS): string => (text.length > max ? `${cutText(text, max)}…` : text);

/** A listed error as a service built it, each text member cut as `detail` is (its message is ours, with input it quotes). */
const boundedError = (error: unknown): unknown =>
  typeof error === 'object' && error !== null && !Array.isArray(error)
    ? Object.fromEntries(Object.entries(error).map(([name, value]) => [name, typeof value === 'string' ? clipped(value, MAX_DETAIL_CHARS) : value]))
    : error;

/**
 * Every problem that lists `errors` stays small, whoever built it (docs/adr/0036, "a validation problem
 * stays small", and its addendum of 2026-12-05, second session): the schema path's own, and the ones a
 * service builds from its checks (a roster of 1,000 bad shifts once answered 2,000 errors in 300 KB).
 * The first 10 errors, `errorCount` how many there were (a count the builder gives stands, if larger),
 * and `detail` cut at 500 characters. A problem without `errors` is left as it is.
 */
const withBoundedErrors = (problem: ProblemInput): ProblemInput => {
  const { errors, errorCount, detail } = problem;
  if (!Array.isArray(errors)) return problem;
  return {
    ...problem,
    ...(typeof detail === 'string' ? { detail: clipped(detail, MAX_DETAIL_CHARS) } : {}),
    errorCount: typeof errorCount === 'number' && errorCount > errors.length ? errorCount : errors.length,
    errors: errors.slice(0, MAX_LISTED_VALIDATION_ERRORS).map(boundedError),
  };
};

/** A format error of our text formats in words; `data` is there because the ajv options ask for `verbose`. */
const messageOf = (v: ValidationError): string => {
  if (v.keyword === 'format' && v.params.format === STORABLE_TEXT_FORMAT) return UNSTORABLE_TEXT_MESSAGE;
  if (v.keyword === 'format' && v.params.format === VISIBLE_TEXT_FORMAT) {
    return typeof v.data === 'string' && !isStorableText(v.data) ? UNSTORABLE_TEXT_MESSAGE : BLANK_TEXT_MESSAGE;
  }
  if (v.keyword === 'enum' && Array.isArray(v.params.allowedValues)) {
    // One clause naming the value and the choices, not "must be equal to one of the allowed values".
    const given = typeof v.data === 'string' ? `unknown value ${JSON.stringify(clipped(v.data))}` : 'not one of the values';
    return `${given}; one of: ${(v.params.allowedValues as unknown[]).map(String).join(', ')}`;
  }
  return v.message ?? 'invalid';
};

/**
 * The message of a validation error (fastify's `schemaErrorFormatter`, which becomes `detail`):
 * its first errors and how many more there were, not one clause per error as fastify's own.
 */
export const formatValidationErrors = (ajvErrors: FastifySchemaValidationError[], dataVar: string): Error => {
  const errors = collapseLiteralUnions(ajvErrors);
  const listed = errors.slice(0, MAX_LISTED_VALIDATION_ERRORS).map((e) => clipped(`${dataVar}${e.instancePath || ''} ${messageOf(e as ValidationError)}`));
  const more = errors.length - listed.length;
  return new Error(clipped(more > 0 ? `${listed.join(', ')}, and ${more} more` : listed.join(', '), MAX_DETAIL_CHARS));
};

/**
 * fastify's own client errors in the API's vocabulary: their codes (`FST_ERR_CTP_BODY_TOO_LARGE`)
 * name fastify's internals, not problem types, and a client must see one type for one problem
 * whichever layer finds it (a too-big JSON body and a too-long multipart field are both
 * `payload-too-large`).
 */
const FRAMEWORK_FAILURES: Readonly<Record<string, FailureKind>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_NOT_FOUND: 'not_found',
};

/** The general kind of a status, for a client error whose code says nothing we know (a plugin's). */
const GENERIC_FAILURES: Readonly<Partial<Record<number, FailureKind>>> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  428: 'precondition_required',
};

/**
 * The type and title of a client error: ours as thrown (a code that is one of PROBLEM_TYPES:
 * `rate-limited`, `invalid-utf-8`), a framework's by its code or else by its status, never its code.
 */
const clientProblemOf = (error: FastifyError, status: number): { type: ProblemTypeUri; title: string } => {
  if (error.code && isProblemSlug(error.code)) return { type: problemType(error.code), title: TITLES[status] ?? 'Client Error' };
  const kind = (error.code ? FRAMEWORK_FAILURES[error.code] : undefined) ?? GENERIC_FAILURES[status];
  if (kind && FAILURES[kind].status === status) return { type: problemType(FAILURES[kind].slug), title: FAILURES[kind].title };
  return { type: problemType('client-error'), title: TITLES[status] ?? 'Client Error' };
};

/**
 * Where the error is, as an RFC 6901 pointer into the part: the value that failed, or, for a required
 * member that is missing, the member itself (`/product`, where the body is `/`), as a multipart
 * form's missing field is named; an unknown member's pointer stays the object that refuses it.
 */
const pointerOf = (v: { instancePath: string; params?: Record<string, unknown> }): string => {
  if (v.params && 'missingProperty' in v.params) return `${v.instancePath}/${String(v.params.missingProperty).replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return v.instancePath || '/';
};

/** Every 4xx/5xx as problem+json: schema validation errors, client errors and faults. */
const answerError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
  if (error.validation) {
    // A value outside a union of literals is one error naming the allowed values, not one per branch.
    const validation = collapseLiteralUnions(error.validation);
    return sendProblem(reply, {
      type: problemType(FAILURES.validation.slug),
      title: FAILURES.validation.title,
      status: 400,
      detail: clipped(error.message, MAX_DETAIL_CHARS),
      errorCount: validation.length,
      errors: validation.slice(0, MAX_LISTED_VALIDATION_ERRORS).map((v) => ({
        in: error.validationContext ?? 'body',
        pointer: clipped(pointerOf(v)),
        message: clipped(messageOf(v)),
        ...(v.params && 'missingProperty' in v.params ? { missingProperty: clipped(String(v.params.missingProperty)) } : {}),
        // An unknown field is named too (issue #9): the pointer is the object that refuses it.
        ...(v.params && 'additionalProperty' in v.params ? { additionalProperty: clipped(String(v.params.additionalProperty)) } : {}),
      })),
    });
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
  if (status >= 500 && isConnectionFailure(error)) {
    // A database that did not answer in time (docs/adr/0073) is named, so the one line says why the request took that long.
    request.log.warn({ err: error }, isUnansweredStatement(error) ? 'dependency unavailable: PostgreSQL did not answer in time' : 'dependency unavailable');
    reply.header('retry-after', '5');
    return sendProblem(reply, {
      type: problemType('unavailable'),
      title: 'Service temporarily unavailable',
      status: 503,
      detail: 'A dependency of this service is unavailable; retry later.',
    });
  }
  if (status >= 500) {
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, { type: problemType('internal'), title: TITLES[500], status: 500 });
  }
  return sendProblem(reply, { ...clientProblemOf(error, status), status, detail: error.message });
};

/**
 * Every 4xx/5xx leaves as problem+json: schema validation errors and faults (unknown routes and
 * methods: http/method-not-allowed.ts). A database or broker outage is a 503 with Retry-After,
 * never a stack trace.
 */
export const installProblemHandlers = (app: FastifyInstance): void => {
  app.setErrorHandler(answerError);
};

/** The answer to a path no route serves (http/method-not-allowed.ts's, and http/empty-path-segment.ts's). */
export const sendNoRoute = (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
  sendProblem(reply, {
    type: problemType('not-found'),
    title: TITLES[404],
    status: 404,
    detail: `No route ${request.method} ${problemInstanceOf(request.url)}`,
  });

/**
 * How the pages under a prefix answer an error of the router's (they answer people, with pages):
 * a malformed URL or an over-long parameter (a link that opens nothing), or a refusal the app makes
 * before any route, by its `statusCode`: the request deadline's 408 (request-deadline.ts), a body in
 * a content coding's 415 (http/content-encoding.ts), a method no route takes's 404
 * (http/method-not-allowed.ts). It may settle later (a page looks up its link's language first) and
 * must not reject: nobody awaits it.
 */
export type FrameworkErrorAnswer = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply | Promise<FastifyReply>;

/** The page areas of each app, by its HTTP server (shared by the app and every plugin scope in it). */
const frameworkErrorAreas = new WeakMap<object, { prefix: string; answer: FrameworkErrorAnswer }[]>();

/**
 * Pages under `prefix` (`/support`, `/rate`) answer the router's errors themselves: a malformed
 * URL or an over-long path parameter there is a person's link that opens nothing, not an API
 * client's mistake. Call it from the scope that serves them.
 */
export const answerFrameworkErrorsUnder = (app: FastifyInstance, prefix: string, answer: FrameworkErrorAnswer): void => {
  const areas = frameworkErrorAreas.get(app.server) ?? [];
  areas.push({ prefix, answer });
  frameworkErrorAreas.set(app.server, areas);
};

/** The page area (answerFrameworkErrorsUnder) of `server` that `target`'s path lies under, if any: its prefix and its answer. */
export const pageAreaAt = (server: object, target: string): { prefix: string; answer: FrameworkErrorAnswer } | undefined => {
  const path = target.split('?')[0];
  return frameworkErrorAreas.get(server)?.find((a) => path === a.prefix || path.startsWith(`${a.prefix}/`));
};

/** The answer of the page area (answerFrameworkErrorsUnder) the request's path lies under, if any. */
export const pageAreaAnswerOf = (request: FastifyRequest): FrameworkErrorAnswer | undefined => pageAreaAt(request.server.server, request.raw.url ?? '')?.answer;

/** A refusal the app makes itself before any route reads the request, as a page area is handed it. */
export interface PageAreaRefusal {
  statusCode: number;
  /** Names the refusal in logs (`TSS_…`), as fastify's codes name its own. */
  code: string;
  detail: string;
}

/**
 * Answers a refusal the app makes before any route (a content coding's 415, a method no route
 * takes) with the page of the area the request's path lies under (answerFrameworkErrorsUnder): a
 * person's link or form gets a page, never problem+json. Undefined under no page area: the caller
 * sends its problem.
 */
export const answerInPageArea = (request: FastifyRequest, reply: FastifyReply, refusal: PageAreaRefusal): ReturnType<FrameworkErrorAnswer> | undefined => {
  const answer = pageAreaAnswerOf(request);
  if (!answer) return undefined;
  const error: FastifyError = Object.assign(new Error(refusal.detail), { code: refusal.code, statusCode: refusal.statusCode });
  return answer(error, request, reply);
};

/**
 * Errors the router raises before any hook runs (fastify's `frameworkErrors`): a path parameter
 * over maxParamLength (414, like an over-long request target) or a malformed URL (400). Without
 * this they leave as fastify's plain JSON, not problem+json; under a page area, as its page.
 */
export const answerFrameworkError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> => {
  const pageAnswer = pageAreaAnswerOf(request);
  if (pageAnswer) return pageAnswer(error, request, reply);
  return error.statusCode === 414
    ? // No instance: the path holds the over-long parameter, which the problem does not repeat.
      sendProblem(reply, { type: problemType('uri-too-long'), title: TITLES[414], status: 414, detail: 'A path parameter is longer than this API accepts.', instance: null })
    : answerError(error, request, reply);
};

/** The OpenAPI schema of a problem response, for route `response` maps. */
export const ProblemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errorCount: { type: 'integer', description: 'How many validation errors there were; `errors` lists the first 10' },
    // Members some types carry (docs/problems.md), named so that generated clients type them.
    error: { type: 'string', description: 'The `oauth/<error>` types of the token endpoint: RFC 6749 §5.2 `error` code' },
    error_description: { type: 'string', description: 'The `oauth/<error>` types: RFC 6749 §5.2 `error_description`' },
    etag: { type: 'string', description: '`precondition-failed` (412) of a ticket change: the ticket’s current ETag' },
    destroyedAt: { type: 'string', format: 'date-time', description: '`gone` (410) of destroyed access particulars: when they were destroyed (P9)' },
    checks: {
      type: 'object',
      additionalProperties: { type: 'string', enum: ['ok', 'down'] },
      description: '`not-ready` (503) of `/readyz`: each readiness check, `ok` or `down`',
    },
    errors: {
      type: 'array',
      maxItems: MAX_LISTED_VALIDATION_ERRORS,
      items: {
        type: 'object',
        properties: {
          in: { type: 'string' },
          pointer: { type: 'string' },
          message: { type: 'string' },
          missingProperty: { type: 'string' },
          additionalProperty: { type: 'string', description: 'The unknown property the object at `pointer` does not admit' },
        },
      },
    },
  },
  additionalProperties: true,
} as const;
