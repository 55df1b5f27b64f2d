import { Writable } from 'node:stream';
import pino from 'pino';
import { logCapture, TestClock, type LogLine } from '@tss/service-kit/testing';
import { CannotListen, listenAs } from '../src/listen-failure';

const PORT = 26_432;
const ADDRESS = { host: '127.0.0.1', port: PORT };
const IN_USE_LINE = `TSS_PG_PORT ${PORT} on 127.0.0.1 is in use (EADDRINUSE): another process listens there`;

/** How the embedded PostgreSQL fails on a port taken (libs/persistence, startFailure). */
const portTaken = () => Object.assign(new Error('postgres exited with code 1: could not bind IPv4 address "127.0.0.1": Address already in use'), { code: 'EADDRINUSE' });

/** A listener refused with `failure` for its first `refusals` attempts, then listening. */
const listener = (refusals: number, failure: () => Error = portTaken) => {
  let attempts = 0;
  return {
    attempts: () => attempts,
    listen: async () => {
      attempts += 1;
      if (attempts <= refusals) throw failure();
      return 'listening';
    },
  };
};

/** The wait's pause in a test: moves the clock by what it was asked, and says what that was. */
const pausing = (clock: TestClock) => {
  const pausesMs: number[] = [];
  return {
    pausesMs,
    pause: async (ms: number) => {
      pausesMs.push(ms);
      clock.advanceMs(ms);
    },
  };
};

const capture = () => {
  const { lines, stream } = logCapture();
  return { lines, logger: pino({ level: 'info' }, stream), said: () => lines.map((l) => [l.level, l.msg]) };
};

// An outside soak test: `npm start` failed at once because an outgoing connection of another
// program had been given TSS_PG_PORT as its local port for a moment (docs/adr/0006, addendum of
// 2026-12-05, fifth session).
describe('a port taken at start is waited for, within a bound (TSS_PG_PORT_WAIT_MS)', () => {
  it('says so once at the first refusal, tries again with growing pauses, and listens once the port is free', async () => {
    const clock = new TestClock();
    const { pausesMs, pause } = pausing(clock);
    const { lines, logger, said } = capture();
    const port = listener(5);

    await expect(listenAs('TSS_PG_PORT', ADDRESS, port.listen, { waitMs: 30_000, logger, clock, pause })).resolves.toBe('listening');

    expect(port.attempts()).toBe(6);
    expect(pausesMs).toEqual([250, 500, 1_000, 2_000, 2_000]);
    expect(said()).toEqual([
      [40, `TSS_PG_PORT ${PORT} is in use; waiting up to 30 s for it`],
      [30, `TSS_PG_PORT ${PORT} is free again; waited 5.75 s`],
    ]);
    expect(lines[0]).toMatchObject({ setting: 'TSS_PG_PORT', port: PORT, waitMs: 30_000 });
  });

  it('when the time is up: the same one-line failure as without a wait, the last pause cut to the bound', async () => {
    const clock = new TestClock();
    const { pausesMs, pause } = pausing(clock);
    const { logger, said } = capture();

    const failure = await listenAs('TSS_PG_PORT', ADDRESS, listener(Infinity).listen, { waitMs: 1_500, logger, clock, pause }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CannotListen);
    expect((failure as Error).message).toBe(IN_USE_LINE);
    expect(pausesMs).toEqual([250, 500, 750]);
    expect(said()).toEqual([[40, `TSS_PG_PORT ${PORT} is in use; waiting up to 1.5 s for it`]]);
  });

  // `npm start` on a fresh data folder: the first attempt is initdb and then the refused bind, which
  // took longer than a wait of 1.5 s on a busy machine, so the port was never waited for.
  it('counts the wait from the first refusal: a first attempt that took longer than the bound is still waited for', async () => {
    const clock = new TestClock();
    const { pausesMs, pause } = pausing(clock);
    const { logger, said } = capture();
    let attempts = 0;
    const slowFirst = async () => {
      attempts += 1;
      if (attempts === 1) clock.advanceMs(5_000);
      throw portTaken();
    };

    await expect(listenAs('TSS_PG_PORT', ADDRESS, slowFirst, { waitMs: 1_500, logger, clock, pause })).rejects.toThrow(IN_USE_LINE);
    expect({ pausesMs, said: said() }).toEqual({ pausesMs: [250, 500, 750], said: [[40, `TSS_PG_PORT ${PORT} is in use; waiting up to 1.5 s for it`]] });
  });

  it('0 fails at once, as before the wait, without the line', async () => {
    const clock = new TestClock();
    const { pausesMs, pause } = pausing(clock);
    const { logger, said } = capture();
    const port = listener(Infinity);

    await expect(listenAs('TSS_PG_PORT', ADDRESS, port.listen, { waitMs: 0, logger, clock, pause })).rejects.toThrow(IN_USE_LINE);
    expect({ attempts: port.attempts(), pausesMs, said: said() }).toEqual({ attempts: 1, pausesMs: [], said: [] });
  });

  it('waits for nothing but a port in use: a data folder another platform runs on, a port it may not open, fail at once', async () => {
    const clock = new TestClock();
    const { pausesMs, pause } = pausing(clock);
    const { logger, said } = capture();
    const folderInUse = new Error('the data folder /tmp/x is in use: process 4242 runs its PostgreSQL (pid 4243); stop that process first, or choose another data folder (TSS_DATA_DIR)');
    const privileged = () => Object.assign(new Error('listen EACCES'), { code: 'EACCES' });

    await expect(listenAs('TSS_PG_PORT', ADDRESS, listener(1, () => folderInUse).listen, { waitMs: 30_000, logger, clock, pause })).rejects.toBe(folderInUse);
    await expect(listenAs('TSS_PG_PORT', ADDRESS, listener(1, privileged).listen, { waitMs: 30_000, logger, clock, pause })).rejects.toThrow(CannotListen);
    expect({ pausesMs, said: said() }).toEqual({ pausesMs: [], said: [] });
  });

  it('an abort (Ctrl-C) during the wait ends it at once', async () => {
    let heard: (line: LogLine) => void = () => undefined;
    const told = new Promise<LogLine>((resolve) => (heard = resolve));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        heard(JSON.parse(chunk.toString('utf8')) as LogLine);
        done();
      },
    });
    const aborted = new AbortController();
    // The machine's own pauses and clock: only the abort can end a wait of ten minutes within the test.
    const outcome = listenAs('TSS_PG_PORT', ADDRESS, listener(Infinity).listen, { waitMs: 600_000, logger: pino({ level: 'info' }, sink), signal: aborted.signal }).then(
      () => 'listening',
      (error: unknown) => (error as Error).name,
    );

    expect((await told).msg).toBe(`TSS_PG_PORT ${PORT} is in use; waiting up to 600 s for it`);
    aborted.abort();
    expect(await outcome).toBe('AbortError');
  });
});
