import { calendarTimeBetween, isOpen, remainingMsOf, skipWarnings, type ClockTime, type ResponseClock } from './response-clock';

export const WARNING_TIMER = 'sla.warning';
export const BREACH_TIMER = 'sla.breach';
export const OVERDUE_TIMER = 'sla.overdue';

export type ClockTimerKind = typeof WARNING_TIMER | typeof BREACH_TIMER | typeof OVERDUE_TIMER;

export interface ClockTimerPayload {
  clockId: string;
  threshold?: number;
}

export interface ClockTimer {
  id: string;
  kind: ClockTimerKind;
  dueAt: Date;
  payload: ClockTimerPayload;
}

export const warningTimerId = (clockId: string, threshold: number): string => `sla:${clockId}:warn:${threshold}`;
export const breachTimerId = (clockId: string): string => `sla:${clockId}:breach`;
export const overdueTimerId = (clockId: string): string => `sla:${clockId}:overdue`;

/** Every timer id a clock can have: what stopping it cancels. */
export const allTimerIds = (clock: ResponseClock): string[] => [
  ...clock.warnings.map((w) => warningTimerId(clock.id, w.threshold)),
  breachTimerId(clock.id),
  overdueTimerId(clock.id),
];

/** The highest threshold of the clock whose warning was published; 0 before any. */
const highestPublished = (clock: ResponseClock): number => Math.max(0, ...clock.warningsPublished);

/**
 * The timers an open clock needs at `now`: one per warning still ahead of it (above the highest
 * published, not skipped), the breach and the overdue notice. After a re-target or a downtime,
 * warnings already past are noise: only the highest of them fires (at once), and none when the
 * breach itself is past (docs/adr/0030). A published breach keeps only the overdue notice.
 */
export const timersFor = (clock: ResponseClock, now: Date): ClockTimer[] => {
  if (!isOpen(clock)) return [];
  const timers: ClockTimer[] = [];
  const breached = clock.breachPublishedAt !== undefined;
  if (!breached) {
    // Below a published warning nothing fires any more: the next lower one is no "highest past" after it.
    const floor = highestPublished(clock);
    const pending = clock.warnings.filter((w) => w.threshold > floor && !clock.warningsSkipped.includes(w.threshold));
    const past = pending.filter((w) => w.at.getTime() <= now.getTime());
    const future = pending.filter((w) => w.at.getTime() > now.getTime());
    const breachPast = clock.dueAt.getTime() <= now.getTime();
    const highestPast = past.length > 0 && !breachPast ? [past[past.length - 1]] : [];
    for (const w of [...highestPast, ...future]) {
      timers.push({ id: warningTimerId(clock.id, w.threshold), kind: WARNING_TIMER, dueAt: w.at, payload: { clockId: clock.id, threshold: w.threshold } });
    }
    timers.push({ id: breachTimerId(clock.id), kind: BREACH_TIMER, dueAt: clock.dueAt, payload: { clockId: clock.id } });
  }
  if (clock.overduePublishedAt === undefined) {
    timers.push({ id: overdueTimerId(clock.id), kind: OVERDUE_TIMER, dueAt: clock.overdueAt, payload: { clockId: clock.id } });
  }
  return timers;
};

/**
 * The one timer an open clock has pending: the earliest of `timersFor`. Firing it schedules the
 * next, in the same transaction. One pending timer per clock means two replicas' batches never
 * hold timers of the same clock, so they never wait on each other's clock rows (docs/adr/0030).
 */
export const nextTimerFor = (clock: ResponseClock, now: Date): ClockTimer | undefined =>
  [...timersFor(clock, now)].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())[0];

export type TimerEffect =
  /** `last`: the highest warning of the clock's schedule, its "about to breach" whatever the fraction (P7, docs/adr/0038 seventh session). */
  | { kind: 'warning'; threshold: number; remainingMs: number; last?: true }
  | { kind: 'breached' }
  | { kind: 'overdue'; overdueMs: number };

/**
 * docs/adr/0030: a warning is passed over at `now` when a higher threshold of the clock was
 * published already or is past too, or when the breach is past. Decided when the timer fires, on
 * the locked clock row, so it holds whatever order replicas and batches claim the clock's timers in.
 */
const passedOver = (clock: ResponseClock, warning: { threshold: number }, now: Date): boolean =>
  clock.dueAt.getTime() <= now.getTime() ||
  clock.warnings.some((w) => w.threshold > warning.threshold && (clock.warningsPublished.includes(w.threshold) || w.at.getTime() <= now.getTime()));

/**
 * A clock timer fired at `now`: what to publish, each at most once per clock and threshold (the
 * clock records it). A warning passed over (`passedOver`) publishes nothing and is recorded as
 * skipped, with any lower one not published yet; a published warning records the lower ones it
 * passed over the same way. A timer for a clock that moved on (stopped, re-targeted, already
 * published or skipped) does nothing. `time`: how the clock measures time (`clockTimeOf`), for a
 * warning's `remainingMs`.
 */
export const fireClockTimer = (
  clock: ResponseClock,
  timer: { kind: string; dueAt: Date; threshold?: number },
  now: Date,
  time: ClockTime = calendarTimeBetween,
): { clock: ResponseClock; effects: TimerEffect[] } | undefined => {
  if (!isOpen(clock)) return undefined;
  const same = (a: Date, b: Date) => a.getTime() === b.getTime();
  // The warnings a breach leaves unpublished were passed over.
  const breach = (c: ResponseClock): ResponseClock => ({ ...c, status: 'breached', breachPublishedAt: now, breachedAt: c.dueAt, breachedLevel: c.level, warningsSkipped: skipWarnings(c) });
  switch (timer.kind) {
    case WARNING_TIMER: {
      const warning = clock.warnings.find((w) => w.threshold === timer.threshold);
      if (!warning || !same(warning.at, timer.dueAt) || clock.breachPublishedAt) return undefined;
      if (clock.warningsPublished.includes(warning.threshold) || clock.warningsSkipped.includes(warning.threshold)) return undefined;
      if (passedOver(clock, warning, now)) return { clock: { ...clock, warningsSkipped: skipWarnings(clock, warning.threshold) }, effects: [] };
      const last = clock.warnings.every((w) => w.threshold <= warning.threshold);
      const below = clock.warnings.filter((w) => w.threshold < warning.threshold).at(-1)?.threshold;
      return {
        clock: { ...clock, warningsPublished: [...clock.warningsPublished, warning.threshold], warningsSkipped: below === undefined ? clock.warningsSkipped : skipWarnings(clock, below) },
        effects: [{ kind: 'warning', threshold: warning.threshold, remainingMs: Math.max(0, remainingMsOf(clock, now, time)), ...(last ? { last: true as const } : {}) }],
      };
    }
    case BREACH_TIMER:
      if (clock.breachPublishedAt || !same(clock.dueAt, timer.dueAt)) return undefined;
      return { clock: breach(clock), effects: [{ kind: 'breached' }] };
    case OVERDUE_TIMER: {
      if (clock.overduePublishedAt || !same(clock.overdueAt, timer.dueAt)) return undefined;
      // Replicas may fire the overdue notice before the breach: the breach is published first, once.
      const first: TimerEffect[] = clock.breachPublishedAt ? [] : [{ kind: 'breached' }];
      const next = clock.breachPublishedAt ? clock : breach(clock);
      // How long past the breach that happened: a level lowered after it shows a later due time.
      return { clock: { ...next, overduePublishedAt: now }, effects: [...first, { kind: 'overdue', overdueMs: now.getTime() - (next.breachedAt ?? next.dueAt).getTime() }] };
    }
    default:
      return undefined;
  }
};
