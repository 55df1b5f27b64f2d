// How fast this machine runs a fixed piece of JavaScript at the moment of asking (one thread). On a shared
// machine two Jest runs of identical code took 1,136 and 1,235 s of CPU within one hour, under 1 %
// of it stolen (docs/adr/0079): the speed changes, and the stolen share does not show it. A
// figure read beside this one can be compared with another run's. `tsx bench/support/machine-speed.ts`
// prints it (.ci/run does, before and after the tests).

import { percentiles } from './timing';

/** Steps of one unit of work: x → (x · 1,103,515,245 + 12,345) cut to 32 bits, in doubles (deterministic, allocation-free work; not quite an LCG, as the product loses low bits). */
const UNIT_STEPS = 100_000;
let sink = 0;

export interface SpeedClock {
  now(): number;
}

const performanceClock: SpeedClock = { now: () => performance.now() };

/**
 * Millions of the recurrence's steps a second, over one window of `windowMs` on this thread. No
 * allocation, so no garbage collection in the window: JSON round trips, tried first, varied by a
 * third from one 200 ms window to the next on the idle machine; this by about a twentieth.
 */
export const speedRound = (windowMs: number, clock: SpeedClock = performanceClock): number => {
  const start = clock.now();
  let units = 0;
  let now = start;
  let x = sink;
  // The loop is this function's own: a call per unit tiered up mid-measurement (8× faster after
  // the first rounds), which this shape did not.
  while (now - start < windowMs) {
    for (let i = 0; i < UNIT_STEPS; i++) x = (x * 1_103_515_245 + 12_345) | 0;
    units += 1;
    now = clock.now();
  }
  sink = x;
  return (units * UNIT_STEPS) / 1000 / (now - start);
};

export interface MachineSpeed {
  /** The median round's rate (nearest rank): millions of integer steps a second, one thread. */
  millionStepsPerSecond: number;
  /** The slowest and fastest round: how steady the machine was over the measurement. */
  slowest: number;
  fastest: number;
  rounds: number;
  windowMs: number;
}

/** `rounds` windows of `windowMs`, one after the other (five of 200 ms by default: 1 s). */
export const measureMachineSpeed = ({ rounds = 5, windowMs = 200, clock = performanceClock }: { rounds?: number; windowMs?: number; clock?: SpeedClock } = {}): MachineSpeed => {
  if (rounds < 1) throw new Error('a speed needs at least one round');
  const rates = Array.from({ length: rounds }, () => speedRound(windowMs, clock));
  const { p50, max } = percentiles(rates);
  return { millionStepsPerSecond: Math.round(p50), slowest: Math.round(Math.min(...rates)), fastest: Math.round(max), rounds, windowMs };
};

export const describeSpeed = (label: string, s: MachineSpeed): string =>
  `machine speed ${label}: ${s.millionStepsPerSecond} million integer steps/s (median of ${s.rounds} × ${s.windowMs} ms on one thread; ${s.slowest}–${s.fastest})`;

if (require.main === module) {
  process.stdout.write(`${describeSpeed(process.argv[2] ?? 'now', measureMachineSpeed())}\n`);
}
