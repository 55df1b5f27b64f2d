import { Kind, Type, TypeRegistry, type TUnsafe } from '@sinclair/typebox';

// A string enum that renders as JSON Schema `enum` (one clear "must be one of" error, one line in
// OpenAPI) instead of a union of literals, and that TypeBox's Value checker also understands.
TypeRegistry.Set<{ enum: string[] }>('StringEnum', (schema, value) => typeof value === 'string' && schema.enum.includes(value));

export const StringEnum = <T extends string>(values: readonly T[], options: { description?: string; default?: T } = {}): TUnsafe<T> =>
  Type.Unsafe<T>({ [Kind]: 'StringEnum', type: 'string', enum: [...values], ...options });
