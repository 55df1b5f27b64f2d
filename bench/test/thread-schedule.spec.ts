import { scheduleShares, threadSchedule } from '../support/processes';

/** bench/support/processes.ts: the event loop's time on a core and waiting for one, from /proc. */
describe('thread schedule', () => {
  it('reads this process’s main thread: its time on a core grows while it computes', () => {
    const before = threadSchedule(process.pid);
    expect(before).toBeDefined();
    const started = performance.now();
    let x = 1;
    while (performance.now() - started < 50) x = (x * 48_271) % 2_147_483_647;
    const after = threadSchedule(process.pid)!;
    expect(x).toBeGreaterThan(0);
    expect(after.onCpuNs - before!.onCpuNs).toBeGreaterThan(10_000_000);
    expect(after.runQueueWaitNs).toBeGreaterThanOrEqual(before!.runQueueWaitNs);
  });

  it('a process that is gone reads undefined', () => {
    expect(threadSchedule(2 ** 30)).toBeUndefined();
  });

  it('shares of the wall time between two readings', () => {
    expect(scheduleShares({ onCpuNs: 1e9, runQueueWaitNs: 2e8 }, { onCpuNs: 1.6e9, runQueueWaitNs: 5e8 }, 1_000)).toEqual({ onCpuShare: 0.6, runQueueWaitShare: 0.3 });
    expect(scheduleShares(undefined, { onCpuNs: 1, runQueueWaitNs: 1 }, 1_000)).toBeUndefined();
    expect(scheduleShares({ onCpuNs: 1, runQueueWaitNs: 1 }, { onCpuNs: 2, runQueueWaitNs: 2 }, 0)).toBeUndefined();
  });
});
