// A process that starts an embedded PostgreSQL on a data folder and holds it: the other process of
// `embedded-postgres-owner.int.spec.ts`. Usage: hold-cluster.ts <dataDir> <port>
// Like the platform's launchers, it runs the server in a process group of its own
// (`ownProcessGroup`). On SIGINT (a terminal's Ctrl-C) it does what the platform does: uses the database once more
// while it drains, prints whether the database answered, then stops the server and exits.
import { EmbeddedPostgres } from '../../src/embedded-postgres';
import { answers } from './answers';

const [dataDir, port] = process.argv.slice(2);
const pg = new EmbeddedPostgres({ dataDir, port: Number(port), ownProcessGroup: true });

pg.start().then(
  () => {
    process.once('SIGINT', () => {
      void answers(pg.url()).then(async (answered) => {
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
