import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@tss/service-kit/testing';
import { EmbeddedPostgres } from '../src/embedded-postgres';
import { answers } from './support/answers';

/**
 * `npm start` keeps its PostgreSQL in the data folder. A second start on the same folder while the
 * first runs must not take the first one's database away; a start after the first was killed with
 * SIGKILL (its server left running, orphaned) must take the cluster over.
 */
describe('embedded PostgreSQL: one owner per data folder', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-owner-'));
  let holder: ChildProcess | undefined;
  let pg: EmbeddedPostgres | undefined;

  afterAll(async () => {
    holder?.kill('SIGKILL');
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second start while the first process runs, and takes over once that process was killed', async () => {
    const holderPort = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'support/hold-cluster.ts'), dataDir, String(holderPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
    holder = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) resolve();
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`the holder exited with ${code}: ${output}`)));
    });
    const holderUrl = `postgres://postgres:postgres@127.0.0.1:${holderPort}/postgres`;

    const second = new EmbeddedPostgres({ dataDir, port: await freePort() });
    await expect(second.start()).rejects.toThrow(new RegExp(`in use: process ${child.pid} runs its PostgreSQL`));
    // The first process's database is untouched.
    expect(await answers(holderUrl)).toBe(true);

    // kill -9: the process dies, its PostgreSQL keeps running without it.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    holder = undefined;
    expect(await answers(holderUrl)).toBe(true);
    // The dead owner's pid now names a live process that is not the server's parent (a reused
    // pid): the server is still an orphan.
    writeFileSync(path.join(dataDir, 'postgres.owner'), `${process.ppid}\n`);

    pg = new EmbeddedPostgres({ dataDir, port: await freePort() });
    await pg.start();
    expect(await answers(pg.url())).toBe(true);
    // The orphaned server was stopped, not left beside the new one.
    expect(await answers(holderUrl)).toBe(false);
  });

  // Under `npm start` and `npm run start:services`, Ctrl-C reaches the terminal's whole foreground
  // process group. The server must not take it: the platform still uses the database while it
  // drains, and stops the server itself, last.
  it("a terminal's Ctrl-C to the process group does not reach the server: the process drains on its database, then stops it", async () => {
    const groupDir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-group-'));
    const port = await freePort();
    // Its own process group, as a terminal's foreground job is.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'support/hold-cluster.ts'), groupDir, String(port)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      let output = '';
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('ready')) resolve();
        });
        child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        void exited.then((code) => reject(new Error(`the holder exited with ${code}: ${output}`)));
      });
      process.kill(-(child.pid as number), 'SIGINT');
      expect(await exited).toBe(0);
      expect(output).toContain('draining: the database answered');
      expect(await answers(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(groupDir, { recursive: true, force: true });
    }
  });

  // The start lock appeared empty and got its pid a write later: a racer reading it in between was
  // refused naming "process unknown" (4 of 900 refusals in 300 races of four, before the fix). A
  // thousand races of four locks, no PostgreSQL started: every refusal names this process.
  it('a start refused for a start under way names its process, however close the two are', async () => {
    const lockDir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-lock-'));
    const refusals: string[] = [];
    try {
      for (let race = 0; race < 1_000; race += 1) {
        const locks = await Promise.allSettled([0, 1, 2, 3].map(() => new EmbeddedPostgres({ dataDir: lockDir, port: 1 })['lockStart']()));
        for (const lock of locks) {
          if (lock.status === 'rejected') refusals.push(String(lock.reason));
          else await lock.value();
        }
      }
    } finally {
      rmSync(lockDir, { recursive: true, force: true });
    }
    expect(refusals).toHaveLength(3_000);
    expect(refusals.filter((refusal) => !refusal.includes(`is in use: process ${process.pid} is starting its PostgreSQL`))).toEqual([]);
  });

  it('of two starts at once on one folder, one runs and the other is refused with the same message', async () => {
    const raceDir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-race-'));
    const first = new EmbeddedPostgres({ dataDir: raceDir, port: await freePort() });
    await first.start(); // the cluster exists: the race is the servers', not initdb's
    await first.stop();
    const racers = [new EmbeddedPostgres({ dataDir: raceDir, port: await freePort() }), new EmbeddedPostgres({ dataDir: raceDir, port: await freePort() })];
    try {
      const outcomes = await Promise.allSettled(racers.map((r) => r.start()));
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(String(refused[0].reason)).toMatch(new RegExp(`the data folder .* is in use: process ${process.pid} is starting its PostgreSQL`));
      const winner = racers[outcomes.findIndex((o) => o.status === 'fulfilled')];
      expect(await answers(winner.url())).toBe(true);
      await winner.stop();

      // A start cut short by kill -9 leaves its lock file behind: the next start takes it over.
      const dead = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => dead.once('exit', resolve));
      writeFileSync(path.join(raceDir, 'postgres.starting'), `${dead.pid}\n`);
      const next = new EmbeddedPostgres({ dataDir: raceDir, port: await freePort() });
      racers.push(next);
      await next.start();
      expect(await answers(next.url())).toBe(true);
    } finally {
      for (const racer of racers) await racer.stop();
      rmSync(raceDir, { recursive: true, force: true });
    }
  });
});
