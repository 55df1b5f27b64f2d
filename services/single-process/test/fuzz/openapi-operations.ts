/** The part of an OpenAPI 3.1 document the fuzzer reads: operations, their parameters and bodies. */

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
  examples?: unknown[];
  example?: unknown;
}

export type ParameterLocation = 'path' | 'query' | 'header';

export interface Parameter {
  in: ParameterLocation;
  name: string;
  required: boolean;
  schema: JsonSchema;
}

export interface MediaType {
  schema?: JsonSchema;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path template, e.g. `/v1/tickets/{id}`. */
  path: string;
  operationId: string;
  parameters: Parameter[];
  /** Media type → body description; undefined when the operation declares no body. */
  content?: Record<string, MediaType>;
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Follows `$ref`s into `components.schemas` (fastify-swagger writes `#/components/schemas/<$id>`). */
export const schemaResolver =
  (document: OpenApiDocument) =>
  (schema: JsonSchema): JsonSchema => {
    let current = schema;
    for (let hops = 0; current.$ref !== undefined; hops += 1) {
      const name = current.$ref.replace(/^#\/components\/schemas\//, '').replace(/#$/, '');
      const target = document.components?.schemas?.[name];
      if (!target || hops > 20) throw new Error(`unresolvable $ref ${current.$ref}`);
      current = target;
    }
    return current;
  };
export type Resolve = ReturnType<typeof schemaResolver>;

/** Every operation of the document whose path `owns` selects, in document order. */
export const operationsOf = (document: OpenApiDocument, owns: (path: string) => boolean): Operation[] =>
  Object.entries(document.paths ?? {})
    .filter(([path]) => owns(path))
    .flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const operation = item[method];
        if (!isRecord(operation)) return [];
        const parameters = (Array.isArray(operation.parameters) ? operation.parameters : []).filter(isRecord).flatMap((p): Parameter[] =>
          p.in === 'path' || p.in === 'query' || p.in === 'header'
            ? [{ in: p.in, name: String(p.name), required: p.required === true, schema: isRecord(p.schema) ? (p.schema as JsonSchema) : {} }]
            : [],
        );
        const body = isRecord(operation.requestBody) && isRecord(operation.requestBody.content) ? (operation.requestBody.content as Record<string, MediaType>) : undefined;
        return [
          {
            method: method.toUpperCase() as Operation['method'],
            path,
            operationId: typeof operation.operationId === 'string' ? operation.operationId : `${method} ${path}`,
            parameters,
            content: body,
          },
        ];
      }),
    );
