import { appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * `BENCH_PG_EXPLAIN_MS=<ms>`: the plan of every statement that took longer, nested ones included,
 * with actual times and buffers (`auto_explain` with `log_analyze`, `log_buffers`), appended to a
 * file of its own whose path is printed. A diagnosis, not a figure: timing every plan node has a
 * cost of its own. Undefined when the variable is not set.
 *
 * `onLog` goes to the server's `EmbeddedPostgres` (its log is where the plans are written);
 * `enable` sets the database up, before the connections to be explained are opened.
 */
export const explainLogFrom = (env: NodeJS.ProcessEnv = process.env) => {
  const raw = env.BENCH_PG_EXPLAIN_MS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const minMs = Number(raw);
  if (!Number.isFinite(minMs) || minMs < 0) throw new Error(`BENCH_PG_EXPLAIN_MS must be a number of milliseconds, got ${JSON.stringify(raw)}`);
  const file = path.join(os.tmpdir(), `tss-bench-pg-explain-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  return {
    file,
    onLog: (text: string): void => appendFileSync(file, text),
    /** New sessions on `database` load auto_explain and log plans slower than `minMs`. */
    enable: async (url: string, database: string): Promise<void> => {
      const admin = new Client({ connectionString: url });
      await admin.connect();
      try {
        const db = `"${database.replace(/"/g, '""')}"`;
        for (const setting of [
          `session_preload_libraries = 'auto_explain'`,
          `auto_explain.log_min_duration = ${Math.round(minMs)}`,
          'auto_explain.log_analyze = on',
          'auto_explain.log_buffers = on',
          'auto_explain.log_nested_statements = on',
        ]) {
          await admin.query(`ALTER DATABASE ${db} SET ${setting}`);
        }
      } finally {
        await admin.end();
      }
      process.stderr.write(`[bench] plans of statements over ${minMs} ms: ${file}\n`);
    },
  };
};
