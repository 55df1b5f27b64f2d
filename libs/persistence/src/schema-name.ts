const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** A service schema's name, safe to quote into SQL; anything else is a bug. */
export const assertSchemaName = (schema: string): string => {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return schema;
};
