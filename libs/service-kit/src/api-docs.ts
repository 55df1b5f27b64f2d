import type { FastifyInstance, FastifyRequest, FastifySchema, RouteOptions } from 'fastify';
import swaggerUi from '@fastify/swagger-ui';
import type { AccessRule } from './http/scope';
import { lazily } from './lazily';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { documentResponseHeaders, type DeclaredResponseHeaders } from './response-headers-docs';

/** Public paths of the API documentation. */
export const API_DOCS_PREFIXES = ['/docs', '/openapi.json', '/openapi.yaml'] as const;

/** An OpenAPI 3.1 document: the parts TSS reads and writes, everything else passed through. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string; [key: string]: unknown };
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown> | undefined>;
  tags?: { name: string; description?: string }[];
  [key: string]: unknown;
}

/** Where `/openapi.*` and `/docs` get their document: this app's own, unless replaced (the gateway's merged one). */
export type ApiDocumentSource = () => Promise<OpenApiDocument>;

/** A documented route, as fastify knows it (`url`) and as the document names it (`path`). */
export interface DocumentedRoute {
  method: string;
  url: string;
  path: string;
}

export interface ApiDocs {
  /** Every documented route registered after installApiDocs: all the services' routes. */
  registeredRoutes(): readonly DocumentedRoute[];
  /** This app's own document, completed with tag descriptions; only after ready(). */
  ownDocument(): OpenApiDocument;
  /** Serves another document at `/openapi.json`, `/openapi.yaml` and `/docs`. */
  serveDocument(source: ApiDocumentSource): void;
  /** Describes a tag of the document (the runtime, for each hosted service: its module's description). */
  describeTag(name: string, description: string): void;
  /** Adds OpenAPI 3.1 `webhooks` to the document: the requests the API sends, by name (the gateway: the event deliveries). */
  describeWebhooks(webhooks: Readonly<Record<string, Record<string, unknown>>>): void;
  /** The described tags, `health` included. */
  tags(): Readonly<Record<string, string>>;
}

declare module 'fastify' {
  interface FastifyInstance {
    apiDocs: ApiDocs;
  }
}

/**
 * The document's own tag. The others are one per service: the runtime tags each service's routes
 * with its name and describes the tag with the module's `description` (docs/adr/0015), so adding
 * a service touches no list here.
 */
export const HEALTH_TAG = { health: 'Liveness and readiness of one instance; answered by each process, never forwarded.' } as const;

const PROBLEM_REF = { $ref: 'Problem#' } as const;
const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, PROBLEM_REF]));
// Every route of the API sits behind the edge's rate limit per client (429); only the probes,
// registered before this plugin, are exempt.
const RATE_LIMITED_PROBLEMS = problems(429);
// Every operation, the probes included: a request line and headers over Node's 16 KiB limit (431,
// http/uri-length.ts answerClientError), a request target over MAX_URI_LENGTH or a path parameter
// over the router's maxParamLength (414, http/uri-length.ts and answerFrameworkError in
// problem.ts), and a dependency down or the instance draining (503, problem.ts and create-app.ts).
// Added to the document, since the probes are registered before this plugin sees routes.
const EVERY_OPERATION_PROBLEMS: Readonly<Record<string, string>> = { 414: 'URI Too Long', 431: 'Request Header Fields Too Large', 503: 'Service Unavailable' };
// A request that fails its schema, or a body that is not JSON or not UTF-8, is a 400 problem.
const VALIDATION_PROBLEMS = problems(400);
// Every non-public route verifies its token (401) and the route's access rule (403, http/scope.ts).
const AUTHENTICATED_PROBLEMS = problems(401, 403);
// A path parameter that names nothing the caller may see (tenancy answers 404, never 403); one
// that does not decode (malformed percent-encoding) is a 400 from the router, covered above.
const PATH_PARAMETER_PROBLEMS = problems(404);
// A body over the limit (413) or of a media type no parser accepts (415).
const BODY_PROBLEMS = problems(413, 415);
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
// If-Match or If-None-Match false on a state-changing request (RFC 9110 §13.2; http/preconditions.ts,
// or the route against its ETag).
const PRECONDITION_PROBLEMS = problems(412);
const STATE_CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const isErrorStatus = (status: string): boolean => /^[45]/.test(status);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isProblemRef = (schema: unknown): boolean => isRecord(schema) && (schema.$ref === 'Problem#' || schema.$ref === 'Problem');
const openApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');
const methodsOf = (route: RouteOptions): string[] => (Array.isArray(route.method) ? route.method : [route.method]).map(String);

/**
 * Declares what every route answers without saying so, so a route declares only its success and
 * its own failures (`failureResponses`): bearer authentication and its 401/403 problems when it is
 * not public; 400 when it validates input or takes a body; 404 with path parameters; 413 and 415
 * with a body; 412 when it changes state (a false If-Match or If-None-Match); 429 always (414 and
 * 503 are added to every operation of the document).
 */
const declareCommonResponses = (route: RouteOptions): void => {
  const schema: FastifySchema = route.schema ?? {};
  const isPublic = route.config?.public === true;
  const takesBody = methodsOf(route).some((method) => METHODS_WITH_BODY.has(method.toUpperCase()));
  const changesState = methodsOf(route).some((method) => STATE_CHANGING_METHODS.has(method.toUpperCase()));
  const validates = takesBody || [schema.body, schema.querystring, schema.params, schema.headers].some((part) => part !== undefined);
  const response = {
    ...(validates ? VALIDATION_PROBLEMS : {}),
    ...(isPublic ? {} : AUTHENTICATED_PROBLEMS),
    ...(route.url.includes(':') ? PATH_PARAMETER_PROBLEMS : {}),
    ...(takesBody ? BODY_PROBLEMS : {}),
    ...(changesState ? PRECONDITION_PROBLEMS : {}),
    ...RATE_LIMITED_PROBLEMS,
    ...(isRecord(schema.response) ? schema.response : {}),
  };
  route.schema = { security: isPublic ? [] : securityOf(route.config?.access), ...schema, response };
};

/**
 * The Idempotency-Key request header (IETF draft-ietf-httpapi-idempotency-key-header): a Structured
 * Field String or the bare token most clients send, visible ASCII, at most 255 characters.
 */
export const IDEMPOTENCY_KEY_HEADER_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x21-\\x7e]+$',
  description:
    'Makes a retry of this request safe (docs/adr/0028). The same key with the same body replays the first answer, with ' +
    '`Idempotent-Replayed: true`; with another body it is a 422; while the first request is still running, a 409 with ' +
    '`Retry-After: 1`. Keys are kept 24 hours; a 5xx answer is not kept, so its retry runs afresh. An answer that shows a secret ' +
    'once (`Cache-Control: no-store`) is not kept either: a retry gets a 409 `idempotency-answer-withheld` with the ' +
    "first answer's `Location`, and runs nothing.",
} as const;
// A retry while the first request with the key runs (409), the key reused for another body (422).
const IDEMPOTENCY_PROBLEMS = problems(409, 422);

/**
 * Declares what a route with Idempotency-Key handling answers besides its own: the header (also
 * validated: a malformed key is a 400) and the 409 and 422 problems. The runtime calls it for each
 * such route (libs/runtime/src/idempotency), after this plugin's own onRoute hook has run.
 */
export const declareIdempotencyKey = (route: RouteOptions): void => {
  const schema: FastifySchema = route.schema ?? {};
  const headers = isRecord(schema.headers) ? schema.headers : undefined;
  const properties = isRecord(headers?.properties) ? headers.properties : {};
  // A route that declares the header itself keeps its own definition.
  const withHeader =
    headers && !isRecord(headers.properties) && headers.type !== 'object'
      ? headers // not an object schema ($ref, composition): left alone
      : { type: 'object', ...headers, properties: { 'idempotency-key': IDEMPOTENCY_KEY_HEADER_SCHEMA, ...properties } };
  route.schema = { ...schema, headers: withHeader, response: { ...IDEMPOTENCY_PROBLEMS, ...(isRecord(schema.response) ? schema.response : {}) } };
};

/**
 * The bearer requirement, naming the scopes and roles of the route's access rule: OpenAPI 3.1 lets
 * a non-OAuth requirement list roles. Any one of them grants access, so each is an alternative.
 */
const securityOf = (access: AccessRule | undefined): Record<string, string[]>[] => {
  const grants = [...(access?.scopes ?? []), ...(access?.roles ?? [])];
  return grants.length > 0 ? grants.map((grant) => ({ bearerAuth: [grant] })) : [{ bearerAuth: [] }];
};

/** Why a documented route would make an incomplete document; empty when it is complete. */
const gapsOf = (route: RouteOptions, described: Readonly<Record<string, string>>): string[] => {
  const schema: FastifySchema = route.schema ?? {};
  const gaps: string[] = [];
  if (typeof schema.operationId !== 'string' || schema.operationId === '') gaps.push('no operationId');
  const tags = Array.isArray(schema.tags) ? schema.tags : [];
  if (tags.length === 0) gaps.push('no tags');
  // Tenancy is decided once, at the edge (DESIGN "Tenancy"): a route behind a token says who may call it.
  if (route.config?.public !== true && !route.config?.access) gaps.push('no config.access (who may call it) and not public');
  for (const tag of tags) if (!Object.hasOwn(described, String(tag))) gaps.push(`tag "${String(tag)}" is not described`);
  for (const [status, response] of Object.entries(isRecord(schema.response) ? schema.response : {})) {
    if (isErrorStatus(status) && !isProblemRef(response)) gaps.push(`response ${status} is not { $ref: 'Problem#' }`);
  }
  return gaps;
};

/**
 * Top-level tags with descriptions, problem responses under their real media type (RFC 9457),
 * query parameters with a default optional, and the headers each response carries
 * (response-headers-docs.ts).
 */
const completeDocument = (
  generated: OpenApiDocument,
  tags: Readonly<Record<string, string>>,
  declaredHeaders: (method: string, path: string) => DeclaredResponseHeaders | undefined,
): OpenApiDocument => {
  const document = structuredClone(generated);
  const used = new Set<string>();
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(pathItem)) {
      if (!isRecord(operation)) continue;
      if (Array.isArray(operation.tags)) for (const tag of operation.tags) used.add(String(tag));
      // A query parameter with a default is filled in by validation (ajv `useDefaults`, create-app.ts)
      // when the caller leaves it out, so the caller need not send it, whatever its schema's `required`.
      for (const parameter of Array.isArray(operation.parameters) ? operation.parameters : []) {
        if (isRecord(parameter) && parameter.in === 'query' && isRecord(parameter.schema) && parameter.schema.default !== undefined) parameter.required = false;
      }
      const responses = isRecord(operation.responses) ? operation.responses : (operation.responses = {});
      for (const [status, description] of Object.entries(EVERY_OPERATION_PROBLEMS)) {
        responses[status] ??= { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } };
      }
      for (const [status, response] of Object.entries(isRecord(operation.responses) ? operation.responses : {})) {
        if (!isErrorStatus(status) || !isRecord(response) || !isRecord(response.content)) continue;
        const { 'application/json': json, ...others } = response.content;
        if (json !== undefined) response.content = { [PROBLEM_CONTENT_TYPE]: json, ...others };
      }
    }
  }
  documentResponseHeaders(document, declaredHeaders);
  const described = Object.entries(tags).filter(([name]) => used.has(name));
  document.tags = [...(document.tags ?? []).filter((t) => !Object.hasOwn(tags, t.name)), ...described.map(([name, description]) => ({ name, description }))];
  return document;
};

/** The document with its `webhooks` (OpenAPI 3.1), when some were described. */
const withWebhooks = (document: OpenApiDocument, webhooks: Readonly<Record<string, Record<string, unknown>>>): OpenApiDocument =>
  Object.keys(webhooks).length > 0 ? { ...document, webhooks: { ...(isRecord(document.webhooks) ? document.webhooks : {}), ...webhooks } } : document;

/**
 * The OpenAPI document at `/openapi.json` and `/openapi.yaml`, and its UI at `/docs`. Call it
 * before the services' routes are registered: its hooks see every one of them, declare bearer
 * authentication on the ones that are not public, and make `ready()` fail, naming each route,
 * when a documented route lacks an operationId or a described tag, or answers an error without
 * the Problem schema.
 */
export const installApiDocs = async (app: FastifyInstance): Promise<void> => {
  const documented: RouteOptions[] = [];
  let own: OpenApiDocument | undefined;
  let source: ApiDocumentSource = async () => docs.ownDocument();
  // The services' tags in the order they were registered, then health.
  const serviceTags: Record<string, string> = {};
  const tags = (): Readonly<Record<string, string>> => ({ ...serviceTags, ...HEALTH_TAG });
  const webhooks: Record<string, Record<string, unknown>> = {};
  const docs: ApiDocs = {
    registeredRoutes: () => documented.flatMap((r) => methodsOf(r).map((method) => ({ method, url: r.url, path: openApiPath(r.url) }))),
    // @fastify/swagger types its result as any OpenAPI version; createServiceApp asks for 3.1.
    ownDocument: () =>
      (own ??= withWebhooks(
        completeDocument(
          app.swagger() as unknown as OpenApiDocument,
          tags(),
          (method, path) => documented.find((r) => methodsOf(r).includes(method) && openApiPath(r.url) === path)?.config?.responseHeaders,
        ),
        webhooks,
      )),
    serveDocument: (next) => {
      source = next;
    },
    describeTag: (name, description) => {
      serviceTags[name] = description;
    },
    describeWebhooks: (described) => {
      Object.assign(webhooks, structuredClone(described));
    },
    tags,
  };
  app.decorate('apiDocs', docs);

  app.addHook('onRoute', (route) => {
    // HEAD routes mirror their GET (fastify adds them); hidden ones are plumbing (forwarding, the UI).
    if (route.method === 'HEAD' || route.schema?.hide) return;
    declareCommonResponses(route);
    documented.push(route);
  });
  // Checked once every route is in: the runtime adds the service tag after this hook has run.
  app.addHook('onReady', async () => {
    const gaps = documented.flatMap((r) => gapsOf(r, tags()).map((gap) => `${methodsOf(r).join(',')} ${r.url}: ${gap}`));
    const seen = new Map<string, string>();
    for (const route of documented) {
      const id = route.schema?.operationId;
      if (typeof id !== 'string') continue;
      const previous = seen.get(id);
      if (previous) gaps.push(`${methodsOf(route).join(',')} ${route.url}: operationId "${id}" is also used by ${previous}`);
      seen.set(id, `${methodsOf(route).join(',')} ${route.url}`);
    }
    if (gaps.length > 0) throw new Error(`OpenAPI document incomplete:\n  ${gaps.join('\n  ')}`);
  });

  // The UI asks for `/docs/json`; answer it with the same document as `/openapi.json`.
  const prepared = new WeakMap<FastifyRequest, OpenApiDocument>();
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true, persistAuthorization: true },
    uiHooks: {
      preHandler: async (request: FastifyRequest) => {
        if (/\/(json|yaml)$/.test(request.routeOptions.url ?? '')) prepared.set(request, await source());
      },
    },
    transformSpecificationClone: false,
    transformSpecification: (_generated, request) => prepared.get(request) ?? docs.ownDocument(),
  });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => source());
  app.get('/openapi.yaml', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    // Loaded on the first request: most processes never serve YAML (docs/adr/0048, idle memory).
    reply.type('application/yaml').send(lazily<typeof import('yaml')>('yaml').stringify(await source())),
  );
};
