// How fast this machine runs a fixed piece of JavaScript at the moment of asking. On a shared
// machine two Jest runs of identical code took 1,136 and 1,235 s of CPU within one hour, under 1 %
// of it stolen (docs/adr/0079): the speed changes, and the stolen share does not show it. A
// figure read beside this one can be compared with another run's. `tsx bench/support/machine-speed.ts`
// prints it (.ci/run does, before and after the tests).

/** A fixed document: 200 tickets' worth of JSON, the same on every run. */
const SAMPLE = Array.from({ length: 200 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  reference: `TSS-2026-${String(100_000 + i)}`,
  level: ['emergency', 'standard', 'consulting', 'development'][i % 4],
  subject: `Request ${i}: the export job stops at row ${i * 37}`,
  tags: ['export', 'batch', `site-${i % 7}`],
  openedAt: new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString(),
}));

export interface SpeedClock {
  now(): number;
}

const performanceClock: SpeedClock = { now: () => performance.now() };

/** Round trips (stringify, then parse) of the sample a second, over one window of `windowMs` on this thread. */
export const speedRound = (windowMs: number, clock: SpeedClock = performanceClock): number => {
  const start = clock.now();
  let trips = 0;
  let now = start;
  while (now - start < windowMs) {
    JSON.parse(JSON.stringify(SAMPLE));
    trips += 1;
    now = clock.now();
  }
  return (trips * 1000) / (now - start);
};

export const median = (values: readonly number[]): number => {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export interface MachineSpeed {
  /** The median round's rate: JSON round trips of the fixed sample a second, one thread. */
  roundTripsPerSecond: number;
  /** The slowest and fastest round: how steady the machine was over the measurement. */
  slowest: number;
  fastest: number;
  rounds: number;
  windowMs: number;
}

/** `rounds` windows of `windowMs`, one after the other (five of 200 ms by default: 1 s). */
export const measureMachineSpeed = ({ rounds = 5, windowMs = 200, clock = performanceClock }: { rounds?: number; windowMs?: number; clock?: SpeedClock } = {}): MachineSpeed => {
  const rates = Array.from({ length: rounds }, () => speedRound(windowMs, clock));
  const round = (n: number) => Math.round(n);
  return { roundTripsPerSecond: round(median(rates)), slowest: round(Math.min(...rates)), fastest: round(Math.max(...rates)), rounds, windowMs };
};

export const describeSpeed = (label: string, s: MachineSpeed): string =>
  `machine speed ${label}: ${s.roundTripsPerSecond} JSON round trips/s (median of ${s.rounds} × ${s.windowMs} ms on one thread; ${s.slowest}–${s.fastest})`;

if (require.main === module) {
  process.stdout.write(`${describeSpeed(process.argv[2] ?? 'now', measureMachineSpeed())}\n`);
}
