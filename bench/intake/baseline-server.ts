// The intake benchmark's baseline: a bare fastify route doing one INSERT with pg into the same
// PostgreSQL the platform uses. No auth, no validation beyond JSON parsing, no events: the cost
// floor of "accept a JSON request and store it" on this machine.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Pool } from 'pg';

const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT);
if (!databaseUrl || !port) throw new Error('DATABASE_URL and PORT are required');

const pool = new Pool({ connectionString: databaseUrl, max: Number(process.env.DB_POOL_SIZE ?? 10) });
const app = Fastify({ logger: false });

app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/baseline', async (request, reply) => {
  await pool.query('INSERT INTO bench_baseline (id, body, created_at) VALUES ($1, $2, $3)', [randomUUID(), request.body, new Date()]);
  return reply.code(201).send({ ok: true });
});

const main = async () => {
  await pool.query('CREATE TABLE IF NOT EXISTS bench_baseline (id uuid PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL)');
  await app.listen({ host: '127.0.0.1', port });
  const stop = async () => {
    await app.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
};

main().catch((error: unknown) => {
  process.stderr.write(`baseline failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
