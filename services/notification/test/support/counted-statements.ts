import type { EntityManager } from 'typeorm';

/**
 * The caller's transaction, with the SQL of each `query` it runs recorded: a test asserts which
 * statements a use case sends to the (real) database, not only what they change.
 */
export const countedStatements = (tx: EntityManager): { tx: EntityManager; statements: string[]; count(fragment: string): number } => {
  const statements: string[] = [];
  const counted = new Proxy(tx, {
    get(target, property) {
      if (property === 'query') {
        return (sql: string, parameters?: unknown[]) => {
          statements.push(sql);
          return target.query(sql, parameters);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { tx: counted, statements, count: (fragment) => statements.filter((sql) => sql.includes(fragment)).length };
};
