const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * JSON with every object's keys sorted, recursively: two values that differ only in key order
 * give the same text, so an Idempotency-Key retry that reorders fields is not a conflict.
 * Otherwise as JSON.stringify (undefined members dropped, arrays keep their order).
 */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, member: unknown) => (isPlainObject(member) ? Object.fromEntries(Object.entries(member).sort(byKey)) : member));
