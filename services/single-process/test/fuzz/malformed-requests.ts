import type { JsonSchema, MediaType, Operation, Parameter, Resolve } from './openapi-operations';
import type { SeededRandom } from './seeded-random';
import { conforms, deeplyNested, ruleBreakers, validValue, wrongTypes, type Violation } from './schema-values';

/**
 * Malformed requests for one operation, generated from its OpenAPI description: every parameter
 * and body field broken in every way its schema allows, the body broken as bytes and as JSON
 * text, and a seeded batch of random breakages. Each request breaks exactly one thing of an
 * otherwise valid request (the document's example, or a value built from the schema), so the
 * answer can be held to naming what was broken.
 */

export type TokenKind = 'partner' | 'requester' | 'staff';
export type ValidationPart = 'body' | 'params' | 'querystring' | 'headers';

export interface FuzzRequest {
  method: Operation['method'];
  /** The request target as sent: path and query, already percent-encoded (or deliberately not). */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export type Expectation =
  /** A 400 validation problem whose `errors` name this field (pointer, missingProperty or additionalProperty). */
  | { kind: 'names-field'; in: ValidationPart; pointer: string }
  /** A 4xx problem with one of these statuses. */
  | { kind: 'status'; statuses: number[] }
  /** Any 4xx problem. */
  | { kind: 'client-error' }
  /** A 4xx problem exactly like the one for a ticket id nobody has (tenancy: foreign is missing). */
  | { kind: 'as-missing' };

export interface FuzzCase {
  operationId: string;
  token: TokenKind;
  /** What is broken, for a failure message: `body /description: NUL character`. */
  label: string;
  request: FuzzRequest;
  expect: Expectation;
}

export interface TicketRef {
  id: string;
  reference: string;
}

export interface FuzzContext {
  random: SeededRandom;
  resolve: Resolve;
  /** The caller's own ticket. */
  own: TicketRef;
  /** Tickets the caller may not see: another partner's, another requester's (none for staff). */
  foreign: readonly (TicketRef & { whose: string })[];
  /** Attachments of those tickets, when the document has an upload operation to make them. */
  foreignAttachments: readonly { id: string; whose: string }[];
  /** A body larger than this is refused with 413. */
  bodyLimitBytes: number;
  /**
   * Values of path parameters other than the ticket's, by name (e.g. an escalation's `id`, a
   * referral's `rid`): the baseline then names things that exist, so a request the fuzzer broke
   * reaches them if the route lets it through. Parameters not named get a value from their schema.
   */
  pathValues?: Readonly<Record<string, string>>;
  /**
   * A valid JSON body by operation id, in place of the document's example where that names things
   * this platform does not have (the roster example's staff): every case then breaks a body that
   * would otherwise be taken and written.
   */
  bodies?: Readonly<Record<string, unknown>>;
  /**
   * Send a leap second (valid date-time, Invalid Date) to every date-time query parameter and body
   * field. Off where the service has not been held to it yet (its figures stay as they were).
   */
  leapSeconds?: boolean;
  /** The kinds the operation is fuzzed with; the costly cases (1 MB bodies) go with the first only. */
  primary: boolean;
  randomCasesPerOperation: number;
}

const JSON_TYPE = 'application/json';
const MULTIPART_TYPE = 'multipart/form-data';
const PLACEHOLDER = '__fuzz_placeholder_5e1d__';
const NESTING_LEVELS = 10_000;
/**
 * Valid RFC 3339, so valid `format: date-time`, but no JavaScript Date can hold it (Invalid Date):
 * a route that builds a Date from it must refuse it (4xx), not throw (500) or compare NaN.
 */
const LEAP_SECOND = { rule: 'a leap second (23:59:60: RFC 3339, but no Date holds it)', value: '2026-06-30T23:59:60Z' };
/** The router's maxParamLength (libs/service-kit create-app.ts): a longer path segment is a 414. */
const MAX_PATH_PARAMETER_LENGTH = 200;
const ONE_MB = 1_048_576;

const escapePointer = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1');
const pointerOf = (parent: string, name: string) => `${parent}/${escapePointer(name)}`;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The path parameter that names a ticket: the segment right after `/v1/tickets/`. */
export const ticketParameterOf = (operation: Operation): string | undefined => /^\/v1\/tickets\/\{([^}]+)\}/.exec(operation.path)?.[1];

/** A reference with its check symbol changed: well formed, but no ticket's (P3 catches every single-symbol typo). */
export const withWrongCheckSymbol = (reference: string): string => {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const last = reference.at(-1) ?? '0';
  return `${reference.slice(0, -1)}${alphabet[(alphabet.indexOf(last) + 1) % alphabet.length]}`;
};

interface BodyField {
  pointer: string;
  name: string;
  parent: string;
  schema: JsonSchema;
  required: boolean;
}

/** The fields of a body schema, depth first: object properties, and the first item of arrays. */
const fieldsOf = (raw: JsonSchema, resolve: Resolve, parent = '', depth = 0): BodyField[] => {
  const schema = resolve(raw);
  if (depth > 6) return [];
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (branch) return fieldsOf(branch, resolve, parent, depth + 1);
  const own = Object.entries(schema.properties ?? {}).flatMap(([name, property]) => {
    const pointer = pointerOf(parent, name);
    const resolved = resolve(property);
    const field = { pointer, name, parent, schema: resolved, required: (schema.required ?? []).includes(name) };
    // An array's first item is a field of its own, named after the array (`attachmentIds/0`).
    const item = resolved.items ? [{ pointer: `${pointer}/0`, name, parent: pointer, schema: resolve(resolved.items), required: false }] : [];
    return [field, ...item, ...fieldsOf(property, resolve, pointer, depth + 1)];
  });
  const items = schema.items ? fieldsOf(schema.items, resolve, `${parent}/0`, depth + 1) : [];
  return [...own, ...items];
};

/**
 * The objects of a body schema with declared properties and no schema for others: issue #9 wants
 * an unknown field there refused, so an object that does not say `additionalProperties: false`
 * is fuzzed too (and fails if the route takes the field). A map (`additionalProperties: {…}` or
 * `true`) admits other names by design and is left out.
 */
const objectsWithKnownFieldsOf = (raw: JsonSchema, resolve: Resolve, at = '', depth = 0): { pointer: string; schema: JsonSchema }[] => {
  const schema = resolve(raw);
  if (depth > 6) return [];
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (branch) return objectsWithKnownFieldsOf(branch, resolve, at, depth + 1);
  const here = schema.properties && (schema.additionalProperties === false || schema.additionalProperties === undefined) ? [{ pointer: at, schema }] : [];
  const below = Object.entries(schema.properties ?? {}).flatMap(([name, p]) => objectsWithKnownFieldsOf(p, resolve, pointerOf(at, name), depth + 1));
  return [...here, ...below, ...(schema.items ? objectsWithKnownFieldsOf(schema.items, resolve, `${at}/0`, depth + 1) : [])];
};

const segmentsOf = (pointer: string) => pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** A copy of `body` with `value` at `pointer`; missing objects and arrays on the way are created. */
const withValueAt = (body: unknown, pointer: string, value: unknown): unknown => {
  const copy = structuredClone(body) as Record<string, unknown>;
  const segments = segmentsOf(pointer);
  let node: Record<string, unknown> = copy;
  segments.slice(0, -1).forEach((segment, i) => {
    const nextIsIndex = /^\d+$/.test(segments[i + 1]);
    if (typeof node[segment] !== 'object' || node[segment] === null) node[segment] = nextIsIndex ? [] : {};
    node = node[segment] as Record<string, unknown>;
  });
  node[segments.at(-1)!] = value;
  return copy;
};

const withoutAt = (body: unknown, pointer: string): unknown | undefined => {
  const copy = structuredClone(body) as Record<string, unknown>;
  const segments = segmentsOf(pointer);
  let node: unknown = copy;
  for (const segment of segments.slice(0, -1)) {
    if (!isRecord(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  if (!isRecord(node) || !Object.hasOwn(node, segments.at(-1)!)) return undefined;
  delete node[segments.at(-1)!];
  return copy;
};

/** JSON text of `body` with `rawJson` written at `pointer` (text JSON.stringify cannot produce). */
const jsonWithRawAt = (body: unknown, pointer: string, rawJson: string): string => {
  if (pointer === '') return rawJson;
  return JSON.stringify(withValueAt(body, pointer, PLACEHOLDER)).replace(JSON.stringify(PLACEHOLDER), () => rawJson);
};

const exampleOf = (media: MediaType): unknown => media.example ?? Object.values(media.examples ?? {}).find((e) => e.value !== undefined)?.value;

/** Everything a request of the operation carries, valid, from which each case breaks one thing. */
interface Baseline {
  path: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  json?: { schema: JsonSchema; body: unknown };
  /** A valid multipart body (one small PNG) when the operation takes only multipart. */
  multipart?: { contentType: string; bytes: Buffer };
}

// The smallest PNG: one transparent pixel (67 bytes).
export const ONE_PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const BOUNDARY = 'fuzzboundary7c1e';
const filePart = (headers: string, content: Buffer) => Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n${headers}\r\n\r\n`), content, Buffer.from('\r\n')]);
const CLOSING_DELIMITER = Buffer.from(`--${BOUNDARY}--\r\n`);

const asParameterText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

const baselineOf = (operation: Operation, context: FuzzContext): Baseline => {
  const { resolve, random } = context;
  const ticketParameter = ticketParameterOf(operation);
  const valueOf = (p: Parameter) => asParameterText(validValue(p.schema, resolve, random));
  const path = Object.fromEntries(operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, p.name === ticketParameter ? context.own.id : (context.pathValues?.[p.name] ?? valueOf(p))]));
  const query = Object.fromEntries(operation.parameters.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, valueOf(p)]));
  const headers = Object.fromEntries(operation.parameters.filter((p) => p.in === 'header' && p.required).map((p) => [p.name, valueOf(p)]));
  const media = operation.content?.[JSON_TYPE];
  let json: Baseline['json'];
  if (media?.schema) {
    const example = context.bodies?.[operation.operationId] ?? exampleOf(media);
    json = { schema: media.schema, body: example !== undefined && conforms(media.schema, example, resolve) ? structuredClone(example) : validValue(media.schema, resolve, random) };
  }
  const multipart =
    operation.content?.[MULTIPART_TYPE] !== undefined && json === undefined
      ? {
          contentType: `${MULTIPART_TYPE}; boundary=${BOUNDARY}`,
          bytes: Buffer.concat([filePart('Content-Disposition: form-data; name="file"; filename="pixel.png"\r\nContent-Type: image/png', ONE_PIXEL_PNG), CLOSING_DELIMITER]),
        }
      : undefined;
  return { path, query, headers, json, multipart };
};

interface Parts {
  path?: Record<string, string>;
  /** Path values written as they are, not percent-encoded. */
  rawPath?: Record<string, string>;
  query?: Record<string, string>;
  rawQuery?: string;
  headers?: Record<string, string>;
  body?: { contentType?: string; bytes: Buffer };
}

const requestOf = (operation: Operation, baseline: Baseline, parts: Parts): FuzzRequest => {
  const pathValues = { ...baseline.path, ...parts.path };
  const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => parts.rawPath?.[name] ?? encodeURIComponent(pathValues[name] ?? ''));
  const query = new URLSearchParams({ ...baseline.query, ...parts.query }).toString().replace(/\+/g, '%20');
  const queryText = [query, parts.rawQuery].filter(Boolean).join('&');
  const headers: Record<string, string> = { ...baseline.headers, ...parts.headers };
  let body = parts.body?.bytes;
  if (parts.body?.contentType) headers['content-type'] = parts.body.contentType;
  if (!parts.body && baseline.json) {
    body = Buffer.from(JSON.stringify(baseline.json.body));
    headers['content-type'] = JSON_TYPE;
  } else if (!parts.body && baseline.multipart) {
    body = baseline.multipart.bytes;
    headers['content-type'] = baseline.multipart.contentType;
  }
  return { method: operation.method, target: queryText ? `${path}?${queryText}` : path, headers, body };
};

const jsonBody = (text: string | Buffer, contentType = JSON_TYPE) => ({ contentType, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text) });

/** Each malformed JSON text a client might send; none is valid JSON. */
const MALFORMED_JSON = [
  '',
  '{',
  '}',
  '{"product":',
  '{product: "reader"}',
  "{'product': 'reader'}",
  '{"a":1,}',
  '[1,2',
  'nul',
  'undefined',
  'NaN',
  '{"a":01}',
  '{"a":"\\x41"}',
  '{"a":"unterminated}',
  '{"a":1}}',
  '{"a":1} trailing',
  '{"a" 1}',
  '{"a":.5}',
  '{"a":+1}',
  '{"a":"tab\there"}',
  '{"a":"\\ud800\\u"}',
  '/* comment */ {}',
];

/** Bytes that are not UTF-8, each of a different kind. */
const INVALID_UTF8: readonly { rule: string; bytes: number[] }[] = [
  { rule: 'byte 0xFF', bytes: [0xff] },
  { rule: 'a truncated 2-byte sequence', bytes: [0xc3] },
  { rule: 'a lone continuation byte', bytes: [0x80] },
  { rule: 'an overlong "/"', bytes: [0xc0, 0xaf] },
  { rule: 'an encoded surrogate (CESU-8)', bytes: [0xed, 0xa0, 0x80] },
  { rule: 'a code point above U+10FFFF', bytes: [0xf4, 0x90, 0x80, 0x80] },
  { rule: 'Latin-1 "é"', bytes: [0xe9] },
];

/** Media types no intake operation takes a JSON document in. */
const WRONG_MEDIA_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/octet-stream', 'application/vnd.api+json', 'text/json', 'application/jsonl'];

/** Bytes inserted into valid JSON that JSON never admits anywhere (controls other than tab, CR, LF). */
const FORBIDDEN_CONTROLS = [0x01, 0x02, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x1f];

const PATH_GARBAGE: readonly { rule: string; value?: string; raw?: string }[] = [
  { rule: 'not a uuid', value: 'not-a-uuid' },
  { rule: 'a number', value: '1' },
  { rule: 'a space', value: ' ' },
  { rule: 'SQL', value: "' OR '1'='1" },
  { rule: 'a dot-dot segment', value: '..' },
  { rule: 'an encoded slash', value: 'a/b' },
  { rule: 'a NUL byte', raw: '%00' },
  { rule: 'a broken percent-encoding', raw: '%E0%A4%A' },
  { rule: 'an encoded invalid UTF-8 byte', raw: '%FF' },
  { rule: 'an encoded surrogate (CESU-8)', raw: '%ED%A0%80' },
  { rule: 'longer than any parameter (201 characters)', raw: 'a'.repeat(201) },
  { rule: 'the nil uuid', value: '00000000-0000-0000-0000-000000000000' },
  { rule: 'a reference that is not one (TSS-00000-00001)', value: 'TSS-00000-00001' },
];

/**
 * Every malformed request for `operation` with one token kind: systematic ones, then
 * `randomCasesPerOperation` drawn from the seeded generator.
 */
export const malformedRequests = (operation: Operation, token: TokenKind, context: FuzzContext): FuzzCase[] => {
  const { resolve, random } = context;
  const baseline = baselineOf(operation, context);
  const cases: FuzzCase[] = [];
  const add = (label: string, parts: Parts, expect: Expectation) => cases.push({ operationId: operation.operationId, token, label, request: requestOf(operation, baseline, parts), expect });
  const ticketParameter = ticketParameterOf(operation);
  const takesBody = operation.method !== 'GET';

  // Path parameters.
  for (const parameter of operation.parameters.filter((p) => p.in === 'path')) {
    const field: Expectation = { kind: 'names-field', in: 'params', pointer: `/${parameter.name}` };
    for (const garbage of PATH_GARBAGE) {
      const label = `path ${parameter.name}: ${garbage.rule}`;
      if (garbage.raw !== undefined) add(label, { rawPath: { [parameter.name]: garbage.raw } }, { kind: 'client-error' });
      else add(label, { path: { [parameter.name]: garbage.value! } }, conforms(parameter.schema, garbage.value, resolve) ? { kind: 'client-error' } : field);
    }
    for (const v of [...wrongTypes(parameter.schema, resolve), ...ruleBreakers(parameter.schema, resolve, random)]) {
      const text = asParameterText(v.value);
      if (v.rawJson !== undefined || LONE_SURROGATE.test(text)) continue;
      // The router refuses a longer path segment (414) before the schema sees it: a maxLength above
      // that limit (rating's link token, 256) cannot be the one to refuse the value.
      // An empty segment (`/v1/tickets/`, `/v1/tickets//thread`) names no resource: the 404 of a
      // path no route serves, not the parameter's schema (docs/adr/0036, trailing slash).
      const expect: Expectation =
        text === ''
          ? { kind: 'status', statuses: [404] }
          : conforms(parameter.schema, text, resolve)
            ? { kind: 'client-error' }
            : encodeURIComponent(text).length > MAX_PATH_PARAMETER_LENGTH
              ? { kind: 'status', statuses: [400, 414] }
              : field;
      add(`path ${parameter.name}: ${v.rule}`, { path: { [parameter.name]: text } }, expect);
    }
    if (parameter.name === ticketParameter) {
      add(`path ${parameter.name}: a ticket id nobody has`, { path: { [parameter.name]: random.uuid() } }, { kind: 'client-error' });
      add(`path ${parameter.name}: the own ticket's id as a urn:uuid`, { path: { [parameter.name]: `urn:uuid:${context.own.id}` } }, { kind: 'client-error' });
      add(`path ${parameter.name}: the own ticket's id in braces`, { path: { [parameter.name]: `{${context.own.id}}` } }, { kind: 'client-error' });
      add(`path ${parameter.name}: the own reference with a wrong check symbol`, { path: { [parameter.name]: withWrongCheckSymbol(context.own.reference) } }, { kind: 'client-error' });
      for (const foreign of context.foreign) {
        add(`path ${parameter.name}: ${foreign.whose} ticket id`, { path: { [parameter.name]: foreign.id } }, { kind: 'as-missing' });
        add(`path ${parameter.name}: ${foreign.whose} reference`, { path: { [parameter.name]: foreign.reference } }, { kind: 'client-error' });
      }
    }
  }

  // Query parameters: each value broken, repeated, or left out when required.
  for (const parameter of operation.parameters.filter((p) => p.in === 'query')) {
    const field: Expectation = { kind: 'names-field', in: 'querystring', pointer: `/${parameter.name}` };
    for (const v of queryViolations(parameter, resolve, random)) add(`query ${parameter.name}: ${v.rule}`, { query: { [parameter.name]: v.text } }, field);
    if (context.leapSeconds && resolve(parameter.schema).format === 'date-time') add(`query ${parameter.name}: ${LEAP_SECOND.rule}`, { query: { [parameter.name]: LEAP_SECOND.value } }, { kind: 'client-error' });
    for (const raw of ['%FF', '%ED%A0%80', '%E0%A4%A', '%00']) add(`query ${parameter.name}: raw ${raw}`, { rawQuery: `${encodeURIComponent(parameter.name)}=${raw}` }, { kind: 'client-error' });
    const valid = asParameterText(validValue(parameter.schema, resolve, random));
    if (resolve(parameter.schema).type !== 'array') {
      const other = queryViolations(parameter, resolve, random)[0]?.text ?? valid;
      add(`query ${parameter.name}: given twice`, { rawQuery: `${encodeURIComponent(parameter.name)}=${encodeURIComponent(valid)}&${encodeURIComponent(parameter.name)}=${encodeURIComponent(other)}` }, { kind: 'client-error' });
    }
    // A parameter with a default is required in the schema but may be left out: the default applies.
    if (parameter.required && resolve(parameter.schema).default === undefined) {
      const query = { ...baseline.query };
      delete query[parameter.name];
      cases.push({ operationId: operation.operationId, token, label: `query ${parameter.name}: missing`, request: { ...requestOf(operation, { ...baseline, query }, {}) }, expect: field });
    }
  }

  // Header parameters.
  for (const parameter of operation.parameters.filter((p) => p.in === 'header')) {
    const field: Expectation = { kind: 'names-field', in: 'headers', pointer: `/${parameter.name}` };
    for (const v of [...wrongTypes(parameter.schema, resolve), ...ruleBreakers(parameter.schema, resolve, random)]) {
      const text = asParameterText(v.value);
      // Node refuses to send control or non-Latin-1 characters in a header at all.
      if (v.rawJson !== undefined || !/^[\x20-\x7e]*$/.test(text) || conforms(parameter.schema, text, resolve)) continue;
      add(`header ${parameter.name}: ${v.rule}`, { headers: { [parameter.name]: text } }, field);
    }
    if (parameter.required && resolve(parameter.schema).default === undefined) {
      const headers = { ...baseline.headers };
      delete headers[parameter.name];
      cases.push({ operationId: operation.operationId, token, label: `header ${parameter.name}: missing`, request: requestOf(operation, { ...baseline, headers }, {}), expect: field });
    }
  }

  if (baseline.json) addJsonBodyCases(baseline.json, add, context);
  if (operation.content?.[MULTIPART_TYPE]) addMultipartCases(baseline, operation, add, context);
  if (takesBody) addBodyBytesCases(operation, baseline, add, context);

  addRandomCases(operation, baseline, add, context);
  return cases;
};

type Add = (label: string, parts: Parts, expect: Expectation) => void;

const addJsonBodyCases = (json: NonNullable<Baseline['json']>, add: Add, context: FuzzContext) => {
  const { resolve, random } = context;
  const { schema, body } = json;
  const fields = fieldsOf(schema, resolve);
  const broken = (label: string, text: string, expect: Expectation) => add(`body ${label}`, { body: jsonBody(text) }, expect);
  const unlessValid = (label: string, value: unknown, expect: Expectation) => {
    if (!conforms(schema, value, resolve)) broken(label, JSON.stringify(value), expect);
  };

  for (const field of fields) {
    const names: Expectation = { kind: 'names-field', in: 'body', pointer: field.pointer };
    if (field.required) {
      const without = withoutAt(body, field.pointer);
      if (without !== undefined) unlessValid(`${field.pointer}: required, missing`, without, names);
    }
    for (const v of [...wrongTypes(field.schema, resolve), ...ruleBreakers(field.schema, resolve, random)]) {
      if (v.rawJson !== undefined) broken(`${field.pointer}: ${v.rule}`, jsonWithRawAt(body, field.pointer, v.rawJson), names);
      else unlessValid(`${field.pointer}: ${v.rule}`, withValueAt(body, field.pointer, v.value), names);
    }
    broken(`${field.pointer}: ${NESTING_LEVELS} levels of nested arrays`, jsonWithRawAt(body, field.pointer, deeplyNested(NESTING_LEVELS, 'array')), names);
    if (context.leapSeconds && field.schema.format === 'date-time') broken(`${field.pointer}: ${LEAP_SECOND.rule}`, JSON.stringify(withValueAt(body, field.pointer, LEAP_SECOND.value)), { kind: 'client-error' });
    const takesStrings = conforms(field.schema, 'x', resolve) || (field.schema.type === 'string' && !field.schema.enum);
    if (context.primary && takesStrings) {
      // A 1 MB string makes the body larger than the limit: refused before it is parsed.
      // (A route with a larger limit of its own must refuse it by the field's maxLength instead.)
      broken(`${field.pointer}: a 1 MB string`, JSON.stringify(withValueAt(body, field.pointer, 'x'.repeat(ONE_MB))), { kind: 'status', statuses: [413, 400] });
    }
    // Bad references (issue #9): an id of intake's own things that names nothing, or one of another
    // partner or requester. (Ids of other services' things, such as a staff filer's partnerId, intake
    // cannot check: it keeps no projection of partners.)
    if (field.schema.format === 'uuid' && INTAKE_REFERENCE.test(field.name)) {
      broken(`${field.pointer}: a reference to nothing`, JSON.stringify(withValueAt(body, field.pointer, random.uuid())), { kind: 'client-error' });
      if (/ticket/i.test(field.name)) {
        for (const foreign of context.foreign) broken(`${field.pointer}: ${foreign.whose} ticket id`, JSON.stringify(withValueAt(body, field.pointer, foreign.id)), { kind: 'client-error' });
      }
      if (/attachment/i.test(field.name)) {
        for (const foreign of context.foreignAttachments) broken(`${field.pointer}: ${foreign.whose} attachment id`, JSON.stringify(withValueAt(body, field.pointer, foreign.id)), { kind: 'client-error' });
      }
    }
  }

  for (const object of objectsWithKnownFieldsOf(schema, resolve)) {
    const known = Object.keys(object.schema.properties ?? {});
    const unknownNames = ['unknownField', 'x-extra', ...(known[0] ? [known[0].toUpperCase() === known[0] ? `${known[0]}_` : known[0].toUpperCase()] : [])];
    for (const name of unknownNames) {
      if (known.includes(name)) continue;
      const pointer = pointerOf(object.pointer, name);
      broken(`${object.pointer || '/'}: unknown property ${name}`, JSON.stringify(withValueAt(body, pointer, 'fuzz')), { kind: 'names-field', in: 'body', pointer });
    }
  }

  // The whole document.
  const root = resolve(schema);
  if (root.minProperties !== undefined && root.minProperties > 0) broken('root: fewer properties than minProperties', '{}', { kind: 'status', statuses: [400] });
  for (const text of ['null', '42', '"text"', 'true', '[]', `[${JSON.stringify(body)}]`]) broken(`root: ${text.slice(0, 20)} instead of an object`, text, { kind: 'status', statuses: [400] });
  broken(`root: ${NESTING_LEVELS} levels of nested arrays`, deeplyNested(NESTING_LEVELS, 'array'), { kind: 'status', statuses: [400] });
  broken(`root: ${NESTING_LEVELS} levels of nested objects`, deeplyNested(NESTING_LEVELS, 'object'), { kind: 'status', statuses: [400] });
  const inner = JSON.stringify(body).slice(1);
  broken('root: __proto__ poisoning', `{"__proto__":{"polluted":true},${inner}`, { kind: 'status', statuses: [400] });
  broken('root: constructor.prototype poisoning', `{"constructor":{"prototype":{"polluted":true}},${inner}`, { kind: 'status', statuses: [400] });
  const first = fields.find((f) => f.parent === '' && isRecord(body) && Object.hasOwn(body, f.name) && wrongTypes(f.schema, resolve).length > 0);
  if (first) {
    // A duplicate key: JSON.parse keeps the last one, so the valid value given first does not save it.
    const wrong = JSON.stringify(wrongTypes(first.schema, resolve)[0].value);
    broken(`${first.pointer}: given twice, valid then wrong`, JSON.stringify(body).replace(/}$/, () => `,${JSON.stringify(first.name)}:${wrong}}`), {
      kind: 'names-field',
      in: 'body',
      pointer: first.pointer,
    });
  }
};

const addBodyBytesCases = (operation: Operation, baseline: Baseline, add: Add, context: FuzzContext) => {
  const valid = baseline.json ? JSON.stringify(baseline.json.body) : '{}';
  for (const text of MALFORMED_JSON) add(`body: malformed JSON ${JSON.stringify(text)}`, { body: jsonBody(text) }, { kind: 'status', statuses: [400] });
  add('body: valid JSON cut in half', { body: jsonBody(valid.slice(0, Math.max(1, Math.floor(valid.length / 2)))) }, { kind: 'status', statuses: [400] });
  const at = valid.indexOf('"', 2) > 0 ? valid.indexOf('"', 2) + 1 : 1; // inside the first string, if there is one
  for (const bad of INVALID_UTF8) {
    add(`body: invalid UTF-8, ${bad.rule}`, { body: jsonBody(Buffer.concat([Buffer.from(valid.slice(0, at)), Buffer.from(bad.bytes), Buffer.from(valid.slice(at))])) }, { kind: 'status', statuses: [400] });
  }
  const accepted = Object.keys(operation.content ?? {});
  for (const type of WRONG_MEDIA_TYPES.filter((t) => !accepted.includes(t))) {
    const bytes = type === 'application/x-www-form-urlencoded' ? Buffer.from(new URLSearchParams(flatForm(baseline.json?.body)).toString()) : Buffer.from(valid);
    add(`body: media type ${type}`, { body: { contentType: type, bytes } }, { kind: 'status', statuses: [415] });
  }
  add('body: no media type', { body: { bytes: Buffer.from(valid) } }, { kind: 'client-error' });
  if (!accepted.includes(MULTIPART_TYPE)) add('body: JSON sent as multipart', { body: { contentType: `${MULTIPART_TYPE}; boundary=fuzz`, bytes: Buffer.from(valid) } }, { kind: 'status', statuses: [415] });
  if (context.primary) {
    // Valid JSON padded with whitespace past the limit: refused by size, whatever the content.
    const padded = `${valid.slice(0, -1)}${' '.repeat(context.bodyLimitBytes)}}`;
    // A route that takes no JSON may refuse it by its media type first (415), for instance one with an upload limit of its own.
    add('body: valid JSON over the body limit', { body: jsonBody(padded) }, { kind: 'status', statuses: accepted.includes(JSON_TYPE) || accepted.length === 0 ? [413] : [413, 415] });
  }
};

const flatForm = (body: unknown): Record<string, string> =>
  isRecord(body) ? Object.fromEntries(Object.entries(body).filter(([, v]) => !isRecord(v)).map(([k, v]) => [k, String(v)])) : { fuzz: '1' };

const addMultipartCases = (baseline: Baseline, operation: Operation, add: Add, context: FuzzContext) => {
  const type = `${MULTIPART_TYPE}; boundary=${BOUNDARY}`;
  const part = (headers: string, content: string | Buffer) => filePart(headers, Buffer.isBuffer(content) ? content : Buffer.from(content));
  const end = CLOSING_DELIMITER;
  const textFile = part('Content-Disposition: form-data; name="file"; filename="screen.png"\r\nContent-Type: image/png', 'this is text, not a PNG');
  const cases: { label: string; contentType: string; bytes: Buffer }[] = [
    { label: 'no boundary parameter', contentType: MULTIPART_TYPE, bytes: Buffer.concat([textFile, end]) },
    { label: 'a boundary the body does not use', contentType: `${MULTIPART_TYPE}; boundary=other`, bytes: Buffer.concat([textFile, end]) },
    { label: 'no closing delimiter', contentType: type, bytes: textFile.subarray(0, textFile.length - 6) },
    { label: 'an empty body', contentType: type, bytes: Buffer.alloc(0) },
    { label: 'only the closing delimiter', contentType: type, bytes: end },
    { label: 'a part without Content-Disposition', contentType: type, bytes: Buffer.concat([part('Content-Type: image/png', 'x'), end]) },
    { label: 'garbage instead of parts', contentType: type, bytes: Buffer.from('\u0001\u0002 not multipart at all') },
    { label: 'a text file named .png and typed image/png (P8: type by content)', contentType: type, bytes: Buffer.concat([textFile, end]) },
    { label: 'a BMP outside an archive (P8)', contentType: type, bytes: Buffer.concat([part('Content-Disposition: form-data; name="file"; filename="a.bmp"\r\nContent-Type: image/bmp', Buffer.from('BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00', 'latin1')), end]) },
    { label: 'a NUL in the file name', contentType: type, bytes: Buffer.concat([part('Content-Disposition: form-data; name="file"; filename="\u0000.png"', 'x'), end]) },
    { label: 'a field part and no file', contentType: type, bytes: Buffer.concat([part('Content-Disposition: form-data; name="unknownField"', 'fuzz'), end]) },
  ];
  if (context.primary) {
    const big = Buffer.alloc(context.bodyLimitBytes + 1024, 0x41);
    cases.push({ label: 'a file of text named .png, larger than the JSON body limit', contentType: type, bytes: Buffer.concat([part('Content-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png', big), end]) });
  }
  for (const c of cases) add(`multipart: ${c.label}`, { body: { contentType: c.contentType, bytes: c.bytes } }, { kind: 'client-error' });
  if (!operation.content?.[JSON_TYPE] && baseline.json === undefined) add('multipart: a JSON document instead', { body: jsonBody('{"file":"x"}') }, { kind: 'status', statuses: [415] });
};

/** Query values that break the parameter's schema, as text (ajv coerces query text to the schema's type). */
const queryViolations = (parameter: Parameter, resolve: Resolve, random: SeededRandom): { rule: string; text: string }[] => {
  const schema = resolve(parameter.schema);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const out: { rule: string; text: string }[] = [];
  if (types.includes('integer') || types.includes('number')) {
    for (const text of ['abc', '', 'NaN', 'Infinity', '1e400', '[]', '{}']) out.push({ rule: `not a number (${JSON.stringify(text)})`, text });
    if (types.includes('integer') && !types.includes('number')) out.push({ rule: 'not an integer', text: '1.5' });
  } else if (types.includes('boolean')) {
    for (const text of ['maybe', '2', 'yes!']) out.push({ rule: `not a boolean (${text})`, text });
  }
  for (const v of ruleBreakers(schema, resolve, random)) {
    if (v.rawJson !== undefined) continue;
    const text = asParameterText(v.value);
    // A lone surrogate has no UTF-8 form: percent-encoding writes U+FFFD, valid text (raw cases send the bytes instead).
    if (text.length < 4_000 && !LONE_SURROGATE.test(text)) out.push({ rule: v.rule, text });
  }
  return out;
};

/** Cases drawn from the seeded generator: bytes cut, control and invalid UTF-8 bytes inserted, fields given random wrong values. */
const addRandomCases = (operation: Operation, baseline: Baseline, add: Add, context: FuzzContext) => {
  const { random, resolve } = context;
  const json = baseline.json;
  const fields = json ? fieldsOf(json.schema, resolve) : [];
  const violationsByField = fields.map((f) => ({ field: f, violations: [...wrongTypes(f.schema, resolve), ...ruleBreakers(f.schema, resolve, random)].filter((v) => v.rawJson === undefined) }));
  const breakable = violationsByField.filter((f) => f.violations.length > 0);
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const queryParameters = operation.parameters.filter((p) => p.in === 'query');
  const kinds = [
    ...(operation.method !== 'GET' ? ['cut', 'control', 'utf8'] : []),
    ...(breakable.length ? ['field'] : []),
    ...(pathParameters.length ? ['path'] : []),
    ...(queryParameters.length ? ['query'] : []),
  ];
  if (kinds.length === 0) return;
  const valid = Buffer.from(json ? JSON.stringify(json.body) : '{}');
  for (let i = 0; i < context.randomCasesPerOperation; i += 1) {
    const kind = random.pick(kinds);
    const tag = `random #${i} (${kind})`;
    if (kind === 'cut') {
      const at = random.int(valid.length);
      add(`${tag}: body cut at byte ${at}`, { body: jsonBody(valid.subarray(0, at)) }, { kind: 'status', statuses: [400] });
    } else if (kind === 'control' || kind === 'utf8') {
      const at = random.int(valid.length + 1);
      const bytes = kind === 'control' ? [random.pick(FORBIDDEN_CONTROLS)] : random.pick(INVALID_UTF8).bytes;
      add(`${tag}: bytes ${bytes.map((b) => b.toString(16)).join(' ')} at byte ${at}`, { body: jsonBody(Buffer.concat([valid.subarray(0, at), Buffer.from(bytes), valid.subarray(at)])) }, { kind: 'status', statuses: [400] });
    } else if (kind === 'field') {
      const { field, violations } = random.pick(breakable);
      const v: Violation = random.pick(violations);
      const body = withValueAt(json!.body, field.pointer, v.value);
      if (!conforms(json!.schema, body, resolve)) add(`${tag}: body ${field.pointer}: ${v.rule}`, { body: jsonBody(JSON.stringify(body)) }, { kind: 'names-field', in: 'body', pointer: field.pointer });
    } else if (kind === 'path') {
      const parameter = random.pick(pathParameters);
      const value = randomText(random);
      add(`${tag}: path ${parameter.name} = ${JSON.stringify(value)}`, { path: { [parameter.name]: value } }, conforms(parameter.schema, value, resolve) ? { kind: 'client-error' } : { kind: 'names-field', in: 'params', pointer: `/${parameter.name}` });
    } else {
      const parameter = random.pick(queryParameters);
      const violations = queryViolations(parameter, resolve, random);
      if (violations.length) {
        const v = random.pick(violations);
        add(`${tag}: query ${parameter.name} = ${JSON.stringify(v.text)}`, { query: { [parameter.name]: v.text } }, { kind: 'names-field', in: 'querystring', pointer: `/${parameter.name}` });
      }
    }
  }
};

const INTAKE_REFERENCE = /ticket|attachment|message|credential/i;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const RANDOM_ALPHABET = [...'abcXYZ019-_.~!$&\'()*+,;=:@ %"<>\\^`{|}', 'é', 'Ж', '😀', '\u0000', '\u202e'];

const randomText = (random: SeededRandom): string => Array.from({ length: 1 + random.int(40) }, () => random.pick(RANDOM_ALPHABET)).join('');
