import { describeSpeed, measureMachineSpeed, speedRound, type SpeedClock } from '../support/machine-speed';

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
    // Three rounds at 4, 1 and 2 ms a unit: 25, 100 and 50 million steps a second.
    // Each round reads the clock once to start and once per unit: 1 + 3, 1 + 10 and 1 + 5 reads.
    const steps = [...Array<number>(4).fill(4), ...Array<number>(11).fill(1), ...Array<number>(6).fill(2)];
    let now = 0;
    const uneven: SpeedClock = { now: () => (now += steps.shift() ?? 1) };
    expect(measureMachineSpeed({ rounds: 3, windowMs: 10, clock: uneven })).toMatchObject({ millionStepsPerSecond: 50, slowest: 25, fastest: 100 });
    expect(() => measureMachineSpeed({ rounds: 0 })).toThrow('a speed needs at least one round');
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
