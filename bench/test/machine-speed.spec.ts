import { describeSpeed, measureMachineSpeed, median, speedRound, type SpeedClock } from '../support/machine-speed';

/** A clock that moves `stepMs` each time it is read: a unit of work (100,000 steps) "takes" one move. */
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
  it('counts the units done in the window and gives millions of steps a second', () => {
    expect(speedRound(10, steppingClock(1))).toBe(100);
    expect(speedRound(100, steppingClock(4))).toBe(25);
  });

  it('takes the median of the rounds, and says the slowest and the fastest', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median of no values');
    const s = measureMachineSpeed({ rounds: 3, windowMs: 20, clock: steppingClock(2) });
    expect(s).toEqual({ millionStepsPerSecond: 50, slowest: 50, fastest: 50, rounds: 3, windowMs: 20 });
    expect(describeSpeed('before the tests', s)).toBe('machine speed before the tests: 50 million integer steps/s (median of 3 × 20 ms on one thread; 50–50)');
  });

  it('measures this machine with the real clock: a rate above zero, the median between the extremes', () => {
    const s = measureMachineSpeed({ rounds: 3, windowMs: 20 });
    expect(s.millionStepsPerSecond).toBeGreaterThan(0);
    expect(s.slowest).toBeLessThanOrEqual(s.millionStepsPerSecond);
    expect(s.fastest).toBeGreaterThanOrEqual(s.millionStepsPerSecond);
  });
});
