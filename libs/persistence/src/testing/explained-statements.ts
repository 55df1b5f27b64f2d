import type { EntityManager } from 'typeorm';

/** What a statement's plan read, from `EXPLAIN (ANALYZE, BUFFERS)`: enough for a test to hold a query to its index. */
export interface StatementPlan {
  sql: string;
  /** Tables read by a sequential scan. */
  seqScans: string[];
  /** Sort nodes (a page in index order has none). */
  sorts: number;
  indexes: string[];
  /** Shared buffers hit or read by the whole statement. */
  blocks: number;
  /** Rows the scans went through: those they returned and those their filters dropped. */
  rowsScanned: number;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/**
 * The caller's transaction, with each `SELECT` sent through `query` explained first (and then run
 * as usual): a test loads enough rows, analyses them and asserts how a store's query reads them.
 */
export const explainedStatements = (tx: EntityManager): { tx: EntityManager; plans: StatementPlan[] } => {
  const plans: StatementPlan[] = [];
  const explained = new Proxy(tx, {
    get(target, property) {
      if (property === 'query') {
        return async (sql: string, parameters?: unknown[]) => {
          if (/^\s*SELECT\b/i.test(sql)) {
            const [row] = (await target.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, parameters)) as { 'QUERY PLAN': [{ Plan: PlanNode }] }[];
            const plan = row['QUERY PLAN'][0].Plan;
            const nodes = nodesOf(plan);
            plans.push({
              sql,
              seqScans: nodes.flatMap((n) => (n['Node Type'] === 'Seq Scan' && n['Relation Name'] ? [n['Relation Name']] : [])),
              sorts: nodes.filter((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort').length,
              indexes: nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])),
              blocks: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'],
              rowsScanned: nodes
                .filter((n) => n['Node Type'].endsWith('Scan') && !n['Node Type'].startsWith('Bitmap Index'))
                .reduce((sum, n) => sum + n['Actual Rows'] * n['Actual Loops'] + (n['Rows Removed by Filter'] ?? 0), 0),
            });
          }
          return target.query(sql, parameters);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { tx: explained, plans };
};
