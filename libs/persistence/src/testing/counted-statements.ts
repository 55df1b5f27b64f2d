import type { DataSource, EntityManager } from 'typeorm';

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

/**
 * The data source, with the statements run on it outside a transaction (`query`, and a query
 * runner's own with no transaction open on it) and each transaction (`transaction`, with the
 * statements run in it) recorded.
 */
export const countedDataSource = (dataSource: DataSource): { dataSource: DataSource; outside: string[]; transactions: string[][] } => {
  const outside: string[] = [];
  const transactions: string[][] = [];
  const counted = new Proxy(dataSource, {
    get(target, property) {
      if (property === 'query') {
        return (sql: string, parameters?: unknown[]) => {
          outside.push(sql);
          return target.query(sql, parameters);
        };
      }
      if (property === 'createQueryRunner') {
        return (...args: Parameters<DataSource['createQueryRunner']>) => {
          const runner = target.createQueryRunner(...args);
          const query = runner.query.bind(runner);
          runner.query = ((sql: string, ...rest: unknown[]) => {
            if (!runner.isTransactionActive) outside.push(sql);
            return (query as (...all: unknown[]) => unknown)(sql, ...rest);
          }) as typeof runner.query;
          return runner;
        };
      }
      if (property === 'transaction') {
        return <T>(work: (tx: EntityManager) => Promise<T>) =>
          target.transaction((tx) => {
            const inside = countedStatements(tx);
            transactions.push(inside.statements);
            return work(inside.tx);
          });
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { dataSource: counted, outside, transactions };
};
