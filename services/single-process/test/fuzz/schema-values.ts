import { isStorableText, isVisibleText, STORABLE_TEXT_FORMAT, VISIBLE_TEXT_FORMAT } from '@tss/contracts';
import type { JsonSchema, Resolve } from './openapi-operations';
import type { SeededRandom } from './seeded-random';

/**
 * Values for JSON Schemas as the OpenAPI document states them: a valid one to start from, and the
 * ones that break exactly one rule of it. `conforms` is a strict checker (no type coercion): a
 * generated request is used as malformed only if it does not conform to the schema it breaks.
 */

type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

const jsonTypeOf = (value: unknown): JsonType => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
};

const typesOf = (schema: JsonSchema): string[] | undefined => (schema.type === undefined ? undefined : Array.isArray(schema.type) ? schema.type : [schema.type]);

// The formats the platform's ajv checks (ajv-formats, and libs/contracts Text and VisibleText); others are not judged here.
const FORMATS: Record<string, (s: string) => boolean> = {
  uuid: (s) => /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(s),
  email: (s) => /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i.test(s),
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[tT ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/.test(s) && !Number.isNaN(Date.parse(s)),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  uri: (s) => /^[a-z][a-z0-9+.-]*:[^\s]*$/i.test(s),
  [STORABLE_TEXT_FORMAT]: isStorableText,
  [VISIBLE_TEXT_FORMAT]: isVisibleText,
};

const patternOf = (schema: JsonSchema): RegExp | undefined => {
  if (schema.pattern === undefined) return undefined;
  try {
    return new RegExp(schema.pattern, 'u');
  } catch {
    return new RegExp(schema.pattern);
  }
};

/** Whether `value` satisfies `schema`, strictly (a number is not a string). Unknown keywords pass. */
export const conforms = (raw: JsonSchema, value: unknown, resolve: Resolve): boolean => {
  const schema = resolve(raw);
  if (schema.allOf && !schema.allOf.every((s) => conforms(s, value, resolve))) return false;
  if (schema.anyOf && !schema.anyOf.some((s) => conforms(s, value, resolve))) return false;
  if (schema.oneOf && schema.oneOf.filter((s) => conforms(s, value, resolve)).length !== 1) return false;
  if (schema.const !== undefined && JSON.stringify(schema.const) !== JSON.stringify(value)) return false;
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return false;
  const types = typesOf(schema);
  const type = jsonTypeOf(value);
  if (types && !types.includes(type) && !(type === 'integer' && types.includes('number'))) return false;
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) return false;
    if (schema.maxLength !== undefined && length > schema.maxLength) return false;
    const pattern = patternOf(schema);
    if (pattern && !pattern.test(value)) return false;
    if (schema.format && FORMATS[schema.format] && !FORMATS[schema.format](value)) return false;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return false;
    if (schema.minimum !== undefined && value < schema.minimum) return false;
    if (schema.maximum !== undefined && value > schema.maximum) return false;
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return false;
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) return false;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return false;
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return false;
    if (schema.items && !value.every((item) => conforms(schema.items!, item, resolve))) return false;
    if (schema.uniqueItems && new Set(value.map((item) => JSON.stringify(item))).size !== value.length) return false;
  }
  if (type === 'object') {
    const object = value as Record<string, unknown>;
    if ((schema.required ?? []).some((name) => !Object.hasOwn(object, name))) return false;
    const count = Object.keys(object).length;
    if ((schema.minProperties !== undefined && count < schema.minProperties) || (schema.maxProperties !== undefined && count > schema.maxProperties)) return false;
    for (const [name, item] of Object.entries(object)) {
      const declared = schema.properties?.[name];
      if (declared) {
        if (!conforms(declared, item, resolve)) return false;
      } else if (schema.additionalProperties === false) {
        return false;
      } else if (typeof schema.additionalProperties === 'object' && !conforms(schema.additionalProperties, item, resolve)) {
        return false;
      }
    }
  }
  return true;
};

const STRING_CANDIDATES = ['a', 'x1', 'abc', 'A', '1', 'fuzz-value', 'a1b2c3', 'TSS-00000-00000'];

/** A value that satisfies `schema`: its example or default when they do, else one built from its keywords. */
export const validValue = (raw: JsonSchema, resolve: Resolve, random: SeededRandom, depth = 0): unknown => {
  const schema = resolve(raw);
  for (const candidate of [...(schema.examples ?? []), schema.example, schema.default]) {
    if (candidate !== undefined && conforms(schema, candidate, resolve)) return structuredClone(candidate);
  }
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.anyOf?.length) return validValue(schema.anyOf[0], resolve, random, depth + 1);
  if (schema.oneOf?.length) return validValue(schema.oneOf[0], resolve, random, depth + 1);
  if (schema.allOf?.length) {
    const parts = schema.allOf.map((s) => validValue(s, resolve, random, depth + 1));
    return parts.every((p) => jsonTypeOf(p) === 'object') ? Object.assign({}, ...parts) : parts[0];
  }
  const type = typesOf(schema)?.find((t) => t !== 'null') ?? (schema.properties ? 'object' : typesOf(schema)?.[0] ?? 'string');
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return true;
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? Math.floor(schema.exclusiveMinimum) + 1 : 1);
      return schema.maximum !== undefined ? Math.min(low, schema.maximum) : low;
    }
    case 'array': {
      const count = schema.minItems ?? 0;
      return Array.from({ length: count }, () => validValue(schema.items ?? {}, resolve, random, depth + 1));
    }
    case 'object': {
      const object: Record<string, unknown> = {};
      if (depth > 8) return object;
      for (const name of schema.required ?? []) object[name] = validValue(schema.properties?.[name] ?? {}, resolve, random, depth + 1);
      // Optional properties too, as many as minProperties asks for.
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if (Object.keys(object).length >= (schema.minProperties ?? 0)) break;
        if (!Object.hasOwn(object, name)) object[name] = validValue(property, resolve, random, depth + 1);
      }
      return object;
    }
    default:
      return validString(schema, random);
  }
};

const validString = (schema: JsonSchema, random: SeededRandom): string => {
  switch (schema.format) {
    case 'uuid':
      return random.uuid();
    case 'email':
      return 'fuzz.requester@example.com';
    case 'date-time':
      return '2026-01-15T10:00:00Z';
    case 'date':
      return '2026-01-15';
    case 'uri':
      return 'https://example.com/fuzz';
  }
  const min = schema.minLength ?? 0;
  const candidates = [...STRING_CANDIDATES, 'x'.repeat(Math.max(min, 1))];
  return candidates.find((c) => conforms(schema, c, (s) => s)) ?? 'x'.repeat(Math.max(min, 1));
};

export interface Violation {
  /** What rule it breaks, for the report: `wrong type number`, `over maxLength 200` … */
  rule: string;
  value: unknown;
  /** JSON text to splice in instead of `value` (deep nesting, numbers JSON.stringify cannot write). */
  rawJson?: string;
}

const WRONG_TYPES: readonly { name: string; value: unknown }[] = [
  { name: 'number', value: 42 },
  { name: 'fraction', value: 1.5 },
  { name: 'boolean', value: true },
  { name: 'string', value: 'fuzz' },
  { name: 'null', value: null },
  { name: 'object', value: { fuzz: 1 } },
  { name: 'array', value: ['fuzz'] },
];

/** Values of another JSON type than the schema allows. */
export const wrongTypes = (schema: JsonSchema, resolve: Resolve): Violation[] =>
  WRONG_TYPES.filter((w) => !acceptsType(schema, w.value, resolve)).map((w) => ({ rule: `wrong type ${w.name}`, value: w.value }));

/** Whether any branch of the schema takes values of this JSON type (so a failure there is not a type error). */
const acceptsType = (raw: JsonSchema, value: unknown, resolve: Resolve): boolean => {
  const schema = resolve(raw);
  const branches = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  if (branches.length > 0) return branches.some((b) => acceptsType(b, value, resolve));
  if (schema.enum || schema.const !== undefined) return [...(schema.enum ?? [schema.const])].some((e) => jsonTypeOf(e) === jsonTypeOf(value));
  const types = typesOf(schema);
  const type = jsonTypeOf(value);
  return types === undefined || types.includes(type) || (type === 'integer' && types.includes('number'));
};

/** Values of the right type that break one of the schema's other rules. */
export const ruleBreakers = (raw: JsonSchema, resolve: Resolve, random: SeededRandom): Violation[] => {
  const schema = resolve(raw);
  const out: Violation[] = [];
  const types = typesOf(schema) ?? [];
  if (types.includes('string') || (schema.enum ?? []).some((e) => typeof e === 'string')) {
    if (schema.minLength !== undefined && schema.minLength > 0) out.push({ rule: `under minLength ${schema.minLength}`, value: '' });
    if (schema.maxLength !== undefined && schema.maxLength < 900_000) out.push({ rule: `over maxLength ${schema.maxLength}`, value: 'x'.repeat(schema.maxLength + 1) });
    if (schema.pattern !== undefined) {
      for (const candidate of [' ', 'with space', 'é', '\u0001', '*', '../..']) {
        if (!patternOf(schema)!.test(candidate)) {
          out.push({ rule: `not matching ${schema.pattern}`, value: candidate });
          break;
        }
      }
    }
    const textFormat = schema.format === STORABLE_TEXT_FORMAT || schema.format === VISIBLE_TEXT_FORMAT;
    if (schema.format && !textFormat) out.push({ rule: `not a ${schema.format}`, value: `not-a-${schema.format}` });
    if (schema.format === 'uuid') out.push({ rule: 'a uuid without its hyphens', value: '6f1c2a5e9b3d4c7e8a1f0b2c3d4e5f60' });
    if (textFormat || (types.includes('string') && !schema.format && !schema.enum && !schema.pattern)) {
      out.push({ rule: 'NUL character', value: 'before\u0000after' });
      out.push({ rule: 'lone high surrogate', value: 'before\ud800after' });
      out.push({ rule: 'lone low surrogate', value: 'x\udc00' });
    }
    // Text that must say something: blank or invisible-only text is refused too.
    if (schema.format === VISIBLE_TEXT_FORMAT) {
      for (const [rule, value] of [['spaces only', '   '], ['a zero-width space only', '\u200b'], ['a byte order mark only', '\ufeff'], ['white space and a word joiner', ' \t\u2060\n']]) out.push({ rule, value });
    }
    if (schema.enum?.length) {
      const first = String(schema.enum[0]);
      for (const candidate of ['not_a_listed_value', first.toUpperCase(), ` ${first}`, `${first}\u0000`, '']) out.push({ rule: `not in enum (${JSON.stringify(candidate)})`, value: candidate });
    }
    if (schema.const !== undefined) out.push({ rule: 'not the const', value: `${String(schema.const)}-other` });
  }
  if (types.includes('boolean') && schema.enum?.length === 1) out.push({ rule: `not in enum (${JSON.stringify(!schema.enum[0])})`, value: !schema.enum[0] });
  if (types.includes('integer') || types.includes('number')) {
    if (schema.minimum !== undefined) out.push({ rule: `under minimum ${schema.minimum}`, value: schema.minimum - 1 });
    if (schema.maximum !== undefined) out.push({ rule: `over maximum ${schema.maximum}`, value: schema.maximum + 1 });
    if (schema.exclusiveMinimum !== undefined) out.push({ rule: `at exclusiveMinimum ${schema.exclusiveMinimum}`, value: schema.exclusiveMinimum });
    if (types.includes('integer') && !types.includes('number')) out.push({ rule: 'not an integer', value: 2.5 });
    // JSON.parse reads 1e400 as Infinity, which no column stores.
    out.push({ rule: 'a number JSON.parse reads as Infinity', value: 0, rawJson: '1e400' });
  }
  if (types.includes('array')) {
    if (schema.minItems !== undefined && schema.minItems > 0) out.push({ rule: `under minItems ${schema.minItems}`, value: [] });
    if (schema.maxItems !== undefined && schema.maxItems < 10_000) {
      const item = schema.items ? validValue(schema.items, resolve, random) : 1;
      // Distinct items where they must be, so that only the count is wrong.
      const items = Array.from({ length: schema.maxItems + 1 }, () => (schema.items?.format === 'uuid' ? random.uuid() : structuredClone(item)));
      out.push({ rule: `over maxItems ${schema.maxItems}`, value: items });
    }
    if (schema.uniqueItems) {
      const item = schema.items ? validValue(schema.items, resolve, random) : 1;
      out.push({ rule: 'the same item twice (uniqueItems)', value: [item, structuredClone(item)] });
    }
  }
  return out.filter((v) => v.rawJson !== undefined || !conforms(schema, v.value, resolve));
};

/** JSON text nested `levels` deep: arrays, or objects under one key. */
export const deeplyNested = (levels: number, kind: 'array' | 'object'): string =>
  kind === 'array' ? `${'['.repeat(levels)}${']'.repeat(levels)}` : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
