const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** A service schema's name (or a table's, an index's), safe to quote into SQL; anything else is a bug. */
export const assertSchemaName = (schema: string, what = 'schema name'): string => {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid ${what} ${schema}`);
  return schema;
};
