import { describeSpeed, measureMachineSpeed, median, speedRound, type SpeedClock } from '../support/machine-speed';

/** A clock that moves `stepMs` each time it is read: a round trip "takes" one step. */
const steppingClock = (stepMs: number): SpeedClock => {
  let now = 0;
  return {
    now: () => {
      const read = now;
      now += stepMs;
      return read;
    },
  };
};

describe('machine speed (a fixed JavaScript workload, for reading figures of a shared machine)', () => {
  it('counts round trips over the window and gives their rate a second', () => {
    expect(speedRound(10, steppingClock(1))).toBe(1000);
    expect(speedRound(100, steppingClock(4))).toBe(250);
  });

  it('takes the median of the rounds, and says the slowest and the fastest', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median of no values');
    const s = measureMachineSpeed({ rounds: 3, windowMs: 20, clock: steppingClock(2) });
    expect(s).toEqual({ roundTripsPerSecond: 500, slowest: 500, fastest: 500, rounds: 3, windowMs: 20 });
    expect(describeSpeed('before the tests', s)).toBe('machine speed before the tests: 500 JSON round trips/s (median of 3 × 20 ms on one thread; 500–500)');
  });

  it('measures this machine with the real clock: a rate above zero, the median between the extremes', () => {
    const s = measureMachineSpeed({ rounds: 3, windowMs: 20 });
    expect(s.roundTripsPerSecond).toBeGreaterThan(0);
    expect(s.slowest).toBeLessThanOrEqual(s.roundTripsPerSecond);
    expect(s.fastest).toBeGreaterThanOrEqual(s.roundTripsPerSecond);
  });
});
