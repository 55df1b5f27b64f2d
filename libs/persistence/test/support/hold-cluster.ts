// A process that starts an embedded PostgreSQL on a data folder and holds it until it is killed:
// the other process of `embedded-postgres-owner.int.spec.ts`. Usage: hold-cluster.ts <dataDir> <port>
import { EmbeddedPostgres } from '../../src/embedded-postgres';

const [dataDir, port] = process.argv.slice(2);
const pg = new EmbeddedPostgres({ dataDir, port: Number(port) });
pg.start().then(
  () => {
    process.stdout.write('ready\n');
    setInterval(() => undefined, 60_000);
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
