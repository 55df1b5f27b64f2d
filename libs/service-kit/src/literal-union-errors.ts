/** What this file reads of an ajv error (verbose: `schema` is the failing keyword's value). */
export interface AjvErrorLike {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message?: string;
  schema?: unknown;
  data?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The values a union of literals allows, in its order: typebox's `Union([Literal…])` is `anyOf` of
 * `{ const }` branches; a `Type.Null()` branch allows null, and a union nested in one (`Nullable`)
 * adds its own. Undefined when any branch is something else (a format, an object).
 */
const literalsOf = (branches: unknown): unknown[] | undefined => {
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const values: unknown[] = [];
  for (const branch of branches) {
    if (!isObject(branch)) return undefined;
    if ('const' in branch) values.push(branch.const);
    else if (branch.type === 'null') values.push(null);
    else if (Array.isArray(branch.anyOf)) {
      const nested = literalsOf(branch.anyOf);
      if (!nested) return undefined;
      values.push(...nested);
    } else return undefined;
  }
  return values;
};

/**
 * ajv's errors (allErrors) with each failed union of literals as one `enum` error of its allowed
 * values, in the place of its `anyOf` error: ajv reports such a union as one error per branch
 * ("must be equal to constant", "must be string") and one for the `anyOf` ("must match a schema in
 * anyOf"), so a roster of 1,000 bad roles counted 4,000 errors and listed 3 entries, none naming the
 * roles (docs/adr/0036, addendum of 2026-12-05, third session). Every other error is kept as it is.
 * Needs ajv's `verbose` option (create-app.ts sets it): without the union's schema nothing is collapsed.
 */
export const collapseLiteralUnions = <E extends AjvErrorLike>(errors: readonly E[]): E[] => {
  // Each failed union of literals, by the value it is about: the schema paths of its anyOf.
  const unions = new Map<string, string[]>();
  const allowed = new Map<E, unknown[]>();
  for (const error of errors) {
    if (error.keyword !== 'anyOf') continue;
    const values = literalsOf(error.schema);
    if (!values) continue;
    allowed.set(error, values);
    unions.set(error.instancePath, [...(unions.get(error.instancePath) ?? []), error.schemaPath]);
  }
  if (allowed.size === 0) return [...errors];
  // A branch's error lies under its union's schema path, at the same value (a literal has no members).
  const inUnion = (error: E): boolean => (unions.get(error.instancePath) ?? []).some((path) => error.schemaPath.startsWith(`${path}/`));
  const collapsed: E[] = [];
  for (const error of errors) {
    if (inUnion(error)) continue; // a branch's, or a union nested in one
    const values = allowed.get(error);
    collapsed.push(values ? { ...error, keyword: 'enum', params: { allowedValues: values }, message: 'must be equal to one of the allowed values' } : error);
  }
  return collapsed;
};
