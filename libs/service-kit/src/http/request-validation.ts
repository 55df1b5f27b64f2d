import AjvCompiler, { type RouteDefinition, type ValidatorFactory } from '@fastify/ajv-compiler';
import Ajv from 'ajv';

type Compile = ReturnType<ValidatorFactory>;
type Validate = ReturnType<Compile>;

/**
 * The uuid PostgreSQL's `uuid` type reads. ajv-formats also admits a `urn:uuid:` prefix, which
 * PostgreSQL refuses: such a path parameter passed the schema and failed the query with a 500.
 */
const UUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

const NOT_FINITE = 'must be a finite number';

/** The first non-finite number in a flat request part (path, query, headers), as a JSON pointer. */
const nonFinitePointer = (data: unknown): string | undefined => {
  if (typeof data !== 'object' || data === null) return undefined;
  for (const [name, value] of Object.entries(data)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'number' && !Number.isFinite(v))) return `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  return undefined;
};

/**
 * ajv coerces "Infinity" and "1e400" to Infinity for an integer or number and then checks
 * `maximum` against it no more: a query `limit=Infinity` reached SQL. A parameter must be finite.
 */
const finiteOnly = (validate: Validate): Validate => {
  const checked = ((data: unknown, context?: Parameters<Validate>[1]) => {
    const valid = validate(data, context);
    checked.errors = validate.errors;
    if (valid !== true) return valid;
    const pointer = nonFinitePointer(data);
    if (pointer === undefined) return true;
    checked.errors = [{ instancePath: pointer, schemaPath: '#', keyword: 'type', params: { type: 'number' }, message: NOT_FINITE }];
    return false;
  }) as Validate;
  // Fastify passes the parent when the validator has a schemaEnv, so that coercion can replace the part.
  checked.schemaEnv = validate.schemaEnv;
  return checked;
};

const NOT_DECIMAL = { integer: 'must be an integer written in decimal digits', number: 'must be a number written in decimal digits' } as const;
/** What a parameter of type integer or number may look like as text: digits, a sign for a negative, a fraction for a number. */
const DECIMAL = { integer: /^-?[0-9]+$/, number: /^-?[0-9]+(?:\.[0-9]+)?$/ } as const;
type NumericType = keyof typeof DECIMAL;

const numericTypeOf = (schema: unknown): NumericType | undefined => {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const { type, items } = schema as { type?: unknown; items?: unknown };
  const types = Array.isArray(type) ? type : [type];
  if (types.includes('integer')) return 'integer';
  if (types.includes('number')) return 'number';
  return types.includes('array') ? numericTypeOf(items) : undefined;
};

/** The properties of a flat request part (path, query, headers) that ajv would coerce from text to a number. */
const numericProperties = (schema: unknown): [string, NumericType][] => {
  const properties = (schema as { properties?: Record<string, unknown> } | null)?.properties ?? {};
  return Object.entries(properties).flatMap(([name, property]): [string, NumericType][] => {
    const type = numericTypeOf(property);
    return type ? [[name, type]] : [];
  });
};

/** The first text value of a numeric parameter that is not plain decimal, as an ajv error. */
const notDecimal = (data: unknown, numeric: readonly [string, NumericType][]): Validate['errors'] => {
  if (typeof data !== 'object' || data === null) return undefined;
  for (const [name, type] of numeric) {
    const value = (data as Record<string, unknown>)[name];
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && !DECIMAL[type].test(v))) {
      return [{ instancePath: `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, schemaPath: '#', keyword: 'type', params: { type }, message: NOT_DECIMAL[type] }];
    }
  }
  return undefined;
};

/**
 * ajv coerces a parameter's text with `Number()`, which reads `0x10`, `+5`, ` 5`, `1e2` and `""`
 * as numbers: `limit=0x10` was a limit of 16. A numeric parameter is plain decimal text, checked
 * before ajv coerces it.
 */
const decimalOnly = (validate: Validate, numeric: readonly [string, NumericType][]): Validate => {
  if (numeric.length === 0) return validate;
  const checked = ((data: unknown, context?: Parameters<Validate>[1]) => {
    const errors = notDecimal(data, numeric);
    if (errors) {
      checked.errors = errors;
      return false;
    }
    const valid = validate(data, context);
    checked.errors = validate.errors;
    return valid;
  }) as Validate;
  checked.schemaEnv = validate.schemaEnv;
  return checked;
};

/** Fastify lower-cases the header names of a route's headers schema for its own compiler only; a custom one must do it. */
const lowerCaseHeaderNames = (schema: RouteDefinition['schema']): RouteDefinition['schema'] => {
  if (typeof schema !== 'object' || schema === null || Object.getPrototypeOf(schema) !== Object.prototype) return schema;
  const s = schema as { properties?: Record<string, unknown>; required?: string[] };
  return {
    ...s,
    ...(s.properties ? { properties: Object.fromEntries(Object.entries(s.properties).map(([name, p]) => [name.toLowerCase(), p])) } : {}),
    ...(s.required ? { required: s.required.map((name) => name.toLowerCase()) } : {}),
  };
};

/**
 * A schema's check against JSON Schema's meta-schema, as ajv makes it of every schema it is given,
 * with one compiled meta-schema for the app. ajv compiles the meta-schema in each of its instances,
 * and @fastify/ajv-compiler makes two for each plugin scope that adds schemas: thirty in one
 * platform, 5 % of the CPU of the suites that start one. Their own check is turned off
 * (`validateSchema: false`) for this one; it throws ajv's own message, once per schema object.
 */
const schemaChecker = () => {
  let ajv: Ajv | undefined;
  const checked = new WeakSet<object>();
  return (schema: unknown): void => {
    if (typeof schema !== 'object' || schema === null || checked.has(schema)) return;
    ajv ??= new Ajv();
    if (ajv.validateSchema(schema) !== true) throw new Error(`schema is invalid: ${ajv.errorsText(ajv.errors)}`);
    checked.add(schema);
  };
};

/**
 * Request validators (DESIGN "Edge input"). Path, query and headers arrive as text, so they are
 * coerced to their schema's types ('50' → 50) from plain decimal text only, and must then be
 * finite numbers. A JSON body
 * carries its own types, so it is validated without coercion: `"productVersion": 42` is a 400
 * naming the field, not the string "42" stored (issue #9, found by the malformed-request fuzzing).
 * Both use the app's ajv options and formats; `uuid` is the form PostgreSQL accepts.
 */
export const requestValidatorFactory = (): ValidatorFactory => {
  const parameterCompilers = AjvCompiler();
  const bodyCompilers = AjvCompiler();
  const checkSchema = schemaChecker();
  return (externalSchemas, options = {}) => {
    for (const schema of Object.values(externalSchemas ?? {})) checkSchema(schema);
    // Checked above and at each compilation, against one compiled meta-schema (schemaChecker).
    const customOptions = { ...(options.customOptions ?? {}), validateSchema: false };
    const onCreate = (ajv: Parameters<NonNullable<typeof options.onCreate>>[0]) => {
      options.onCreate?.(ajv);
      ajv.addFormat('uuid', UUID);
    };
    const forParameters = parameterCompilers(externalSchemas, { ...options, mode: undefined, customOptions, onCreate });
    const forBodies = bodyCompilers(externalSchemas, { ...options, mode: undefined, customOptions: { ...customOptions, coerceTypes: false }, onCreate });
    const compile: Compile = (route) => {
      checkSchema(route.schema);
      if (route.httpPart === 'body') return forBodies(route);
      const schema = route.httpPart === 'headers' ? lowerCaseHeaderNames(route.schema) : route.schema;
      return decimalOnly(finiteOnly(forParameters({ ...route, schema })), numericProperties(schema));
    };
    return compile;
  };
};
