import AjvCompiler, { type RouteDefinition, type ValidatorFactory } from '@fastify/ajv-compiler';

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
 * Request validators (DESIGN "Edge input"). Path, query and headers arrive as text, so they are
 * coerced to their schema's types ('50' → 50), and must then be finite numbers. A JSON body
 * carries its own types, so it is validated without coercion: `"productVersion": 42` is a 400
 * naming the field, not the string "42" stored (issue #9, found by the malformed-request fuzzing).
 * Both use the app's ajv options and formats; `uuid` is the form PostgreSQL accepts.
 */
export const requestValidatorFactory = (): ValidatorFactory => {
  const parameterCompilers = AjvCompiler();
  const bodyCompilers = AjvCompiler();
  return (externalSchemas, options = {}) => {
    const customOptions = { ...(options.customOptions ?? {}) };
    const onCreate = (ajv: Parameters<NonNullable<typeof options.onCreate>>[0]) => {
      options.onCreate?.(ajv);
      ajv.addFormat('uuid', UUID);
    };
    const forParameters = parameterCompilers(externalSchemas, { ...options, mode: undefined, customOptions, onCreate });
    const forBodies = bodyCompilers(externalSchemas, { ...options, mode: undefined, customOptions: { ...customOptions, coerceTypes: false }, onCreate });
    const compile: Compile = (route) => {
      if (route.httpPart === 'body') return forBodies(route);
      const schema = route.httpPart === 'headers' ? lowerCaseHeaderNames(route.schema) : route.schema;
      return finiteOnly(forParameters({ ...route, schema }));
    };
    return compile;
  };
};
