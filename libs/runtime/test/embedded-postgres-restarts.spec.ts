import { Writable } from 'node:stream';
import pino from 'pino';
import type { PostgresExit, RunningPostgres } from '@tss/persistence';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { restartEmbeddedPostgresOnExit } from '../src/embedded-postgres-restarts';

/**
 * A server whose starts fail `failingStarts` times, then succeed; `exit()` plays an unexpected exit.
 * Each start takes `startMs` of the clock given, if one is.
 */
const fakeServer = (failingStarts: number, clock?: { clock: TestClock; startMs: number }) => {
  const listeners: ((exit: PostgresExit) => void)[] = [];
  let starts = 0;
  const server: RunningPostgres = {
    url: () => 'postgres://unused',
    stop: async () => undefined,
    start: async () => {
      starts += 1;
      clock?.clock.advanceMs(clock.startMs);
      if (starts <= failingStarts) throw new Error(`the data folder is in use (start ${starts})`);
    },
    onUnexpectedExit: (listener) => void listeners.push(listener),
  };
  return { server, starts: () => starts, exit: () => listeners.forEach((l) => l({ code: 0, signal: null, lastLog: 'LOG:  received fast shutdown request' })) };
};

const capture = (level = 'info') => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level }, sink) };
};

describe('the embedded PostgreSQL is started again when it dies (docs/adr/0006, fifth session)', () => {
  it('logs the exit at error level, retries with doubling pauses up to the bound, each failure logged, until a start succeeds', async () => {
    const { server, starts, exit } = fakeServer(3);
    const { lines, logger } = capture();
    const restarts = restartEmbeddedPostgresOnExit(server, { logger, firstDelayMs: 5, maxDelayMs: 20 });

    exit();
    expect(lines[0]).toMatchObject({ level: 50, msg: 'embedded PostgreSQL exited unexpectedly; restarting it', lastLog: 'LOG:  received fast shutdown request' });
    await waitFor('the restart', () => lines.some((l) => l.msg === 'embedded PostgreSQL restarted'));
    expect(starts()).toBe(4);
    const failures = lines.filter((l) => l.msg === 'embedded PostgreSQL did not restart; trying again');
    expect(failures.map((l) => [l.level, l.attempt, l.retryInMs])).toEqual([
      [50, 1, 10],
      [50, 2, 20],
      [50, 3, 20],
    ]);
    expect(lines.at(-1)).toMatchObject({ level: 40, attempt: 4 });
    await restarts.stop();
  });

  it('tells the recovery once, at warn (shown at start:services’ default LOG_LEVEL), with how long the server was down', async () => {
    const clock = new TestClock('2026-12-05T07:00:00.000Z');
    const { server, starts, exit } = fakeServer(2, { clock, startMs: 1_500 });
    const { lines, logger } = capture('warn');
    const restarts = restartEmbeddedPostgresOnExit(server, { logger, clock, firstDelayMs: 5, maxDelayMs: 20 });

    exit();
    await waitFor('the third start', () => starts() === 3);
    await restarts.stop(); // waits for the attempt in flight, and its line
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'embedded PostgreSQL exited unexpectedly; restarting it'],
      [50, 'embedded PostgreSQL did not restart; trying again'],
      [50, 'embedded PostgreSQL did not restart; trying again'],
      [40, 'embedded PostgreSQL restarted'],
    ]);
    // Three starts of 1.5 s each on the clock since the exit.
    expect(lines.at(-1)).toMatchObject({ attempt: 3, downMs: 4_500 });
  });

  it('once stopped (shutdown), an exit is not restarted', async () => {
    const { server, starts, exit } = fakeServer(0);
    const { lines, logger } = capture();
    const restarts = restartEmbeddedPostgresOnExit(server, { logger, firstDelayMs: 5 });
    await restarts.stop();
    exit();
    expect(starts()).toBe(0);
    expect(lines).toEqual([]);
  });

  it('a stop during the pause before an attempt ends the attempts', async () => {
    const { server, starts, exit } = fakeServer(0);
    const { logger } = capture();
    const restarts = restartEmbeddedPostgresOnExit(server, { logger, firstDelayMs: 60_000 });
    exit();
    await restarts.stop();
    expect(starts()).toBe(0);
  });
});
