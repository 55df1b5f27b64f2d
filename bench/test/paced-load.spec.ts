import { atFixedRate, LATE_START_MS, type ScheduleClock } from '../support/paced-load';
import { percentiles } from '../support/timing';

/** A clock that moves only when slept on or told to. */
const testClock = (): ScheduleClock & { advance(ms: number): void } => {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
};

describe('atFixedRate (the benchmarks’ open-loop schedule)', () => {
  it('fires the i-th call at start + i / rate, without waiting for the calls before it', async () => {
    const clock = testClock();
    const fired: { i: number; at: number; due: number }[] = [];
    let releaseAll!: () => void;
    const allFired = new Promise<void>((resolve) => (releaseAll = resolve));

    // No call answers before the last one is fired: a schedule that waited for answers would never finish.
    const result = await atFixedRate(
      5,
      1,
      async (i, due) => {
        fired.push({ i, at: clock.now(), due });
        if (i === 4) releaseAll();
        await allFired;
      },
      clock,
    );

    expect(fired).toEqual([0, 200, 400, 600, 800].map((at, i) => ({ i, at, due: at })));
    expect(result).toEqual({ total: 5, lateStarts: 0 });
  });

  it('keeps to the schedule after the generator falls behind, and counts the calls that started late', async () => {
    const clock = testClock();
    const fired: { at: number; due: number }[] = [];

    // The first call holds this process 350 ms: the second starts 150 ms late, the third on time again.
    await expect(
      atFixedRate(
        5,
        1,
        async (i, due) => {
          fired.push({ at: clock.now(), due });
          if (i === 0) clock.advance(LATE_START_MS + 250);
        },
        clock,
      ),
    ).resolves.toEqual({ total: 5, lateStarts: 1 });

    expect(fired.map((f) => f.due)).toEqual([0, 200, 400, 600, 800]);
    expect(fired.map((f) => f.at)).toEqual([0, 350, 400, 600, 800]);
  });
});

describe('percentiles', () => {
  it('takes the nearest rank, whatever order the values came in', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    expect(percentiles(values)).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
  });
});
