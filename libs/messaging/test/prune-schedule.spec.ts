import pino from 'pino';
import { PruneSchedule } from '../src/retention/prune-schedule';

describe('the retention passes\' schedule (docs/adr/0032)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  // Node runs a timer of more than 2^31-1 ms after 1 ms: EVENT_RETENTION_INTERVAL_MINUTES=40000
  // ran a pass every millisecond against PostgreSQL (docs/adr/0015, addendum of 2026-12-05, fourth session).
  it('an interval beyond the range of Node\'s timers: one pass at start, then none for as long as a timer can wait', async () => {
    let passes = 0;
    const schedule = new PruneSchedule({ intervalMs: 40_000 * 60_000, pass: async () => void (passes += 1), logger: pino({ level: 'silent' }) });
    schedule.start();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(passes).toBe(1);
    await jest.advanceTimersByTimeAsync(2 ** 31 - 1 - 60_000);
    expect(passes).toBe(2);
    await schedule.stop();
  });

  it('an interval in range: a pass at start, then one each interval', async () => {
    let passes = 0;
    const schedule = new PruneSchedule({ intervalMs: 60 * 60_000, pass: async () => void (passes += 1), logger: pino({ level: 'silent' }) });
    schedule.start();
    await jest.advanceTimersByTimeAsync(60 * 60_000 - 1);
    expect(passes).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(passes).toBe(2);
    await schedule.stop();
  });
});
