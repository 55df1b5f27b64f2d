/** TypeORM's `query` answers an UPDATE/DELETE … RETURNING as `[rows, affected]`, a SELECT or INSERT as `rows`. */
export const rowsOf = <R>(result: unknown): R[] => {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as R[];
  return result as R[];
};
