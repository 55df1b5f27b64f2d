// A process that starts an embedded PostgreSQL on a data folder and holds it: the other process of
// `embedded-postgres-owner.int.spec.ts`. Usage: hold-cluster.ts <dataDir> <port>
// Like the platform's launchers, it runs the server in a process group of its own
// (`ownProcessGroup`). On SIGINT (a terminal's Ctrl-C) it does what the platform does: uses the database once more
// while it drains, prints whether the database answered, then stops the server and exits.
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../src/embedded-postgres';

const [dataDir, port] = process.argv.slice(2);
const pg = new EmbeddedPostgres({ dataDir, port: Number(port), ownProcessGroup: true });

const answers = async (): Promise<boolean> => {
  const client = new Client({ connectionString: pg.url(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0].one === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

pg.start().then(
  () => {
    process.once('SIGINT', () => {
      void answers().then(async (answered) => {
        process.stdout.write(`draining: the database ${answered ? 'answered' : 'was gone'}\n`);
        await pg.stop();
        process.exit(0);
      });
    });
    process.stdout.write('ready\n');
    setInterval(() => undefined, 60_000);
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
