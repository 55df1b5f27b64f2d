import { MAX_RESPONSE_MS, ServiceLevels, type ServiceLevel } from '@tss/contracts';
import { err, ok, type Result } from '@tss/service-kit';
import { addBusinessTime } from './calendar';

/**
 * An SLA policy (issue #10, P5): per level, the maximum response time, whether phone support is
 * included (P12), and when warnings and overdue notices fall, as fractions of the target. A
 * policy is versioned; a clock keeps the version it started under.
 */
export interface LevelTerms {
  /** Maximum response time, ms of calendar time (or of business time when the policy has a calendar). */
  targetMs: number;
  phoneSupport: boolean;
}

export interface SlaPolicy {
  levels: Readonly<Record<ServiceLevel, LevelTerms>>;
  /** Fractions of the target at which `sla.warning` is published, ascending, each in (0, 1). */
  warningAt: readonly number[];
  /** Fraction of the target past which `sla.overdue` is published (> 1). */
  overdueAt: number;
  /** Business-hours calendar; absent means 24/7 calendar time (the rules' default). */
  calendar?: BusinessCalendar;
}

/** Opening hours in a time zone, with holidays (issue #10: optional, per partner). */
export interface BusinessCalendar {
  /** IANA zone, e.g. `Europe/Moscow`. */
  timeZone: string;
  /** Per ISO weekday (1 = Monday … 7 = Sunday), open periods as `HH:mm`–`HH:mm` local time; `24:00` ends at midnight. */
  week: Readonly<Partial<Record<1 | 2 | 3 | 4 | 5 | 6 | 7, readonly { from: string; to: string }[]>>>;
  /** Local dates (`YYYY-MM-DD`) with no hours at all. */
  holidays: readonly string[];
}

/** A policy as stored: which one, which version. */
export interface PolicyVersion {
  /** `default`, or the partner's id for a partner's agreement. */
  scope: 'default' | string;
  version: number;
  policy: SlaPolicy;
}

/** The rules' own policy: 6 h, 12 h, 24 h, 7 d, 24/7; warnings at 50, 75 and 90 %; overdue at 150 %. */
export const DEFAULT_POLICY: SlaPolicy = {
  levels: Object.fromEntries(
    ServiceLevels.map((level) => [level, { targetMs: MAX_RESPONSE_MS[level], phoneSupport: level === 'consulting' }]),
  ) as Record<ServiceLevel, LevelTerms>,
  warningAt: [0.5, 0.75, 0.9],
  overdueAt: 1.5,
};

/** When a clock started at `startedAt` under `policy` for `level` is due, warns and is overdue. */
export interface ClockSchedule {
  dueAt: Date;
  warnings: readonly { threshold: number; at: Date }[];
  overdueAt: Date;
}

/**
 * The instant `elapsedMs` of counted time after `start`: calendar time 24/7, or business time
 * when the policy has a calendar (the calendar module replaces the 24/7 rule for those).
 * Undefined when the calendar does not open that long within the calculator's horizon.
 */
export type CountedTime = (start: Date, elapsedMs: number) => Date | undefined;

/** P5: calendar time, 24/7 (the rules' default). */
export const calendarTime = (start: Date, elapsedMs: number): Date => new Date(start.getTime() + elapsedMs);

/** How a policy counts time: business time on its calendar when it has one, else calendar time. */
export const countedTimeOf = ({ calendar }: SlaPolicy): CountedTime =>
  calendar ? (start, elapsedMs) => addBusinessTime(calendar, start, elapsedMs) : calendarTime;

/** A level whose overdue time the policy's calendar cannot reach within the calculator's horizon. */
export interface UnreachableSchedule {
  kind: 'beyond_calendar_horizon';
  level: ServiceLevel;
  /** Business time the level's overdue notice needs: its target times `overdueAt`. */
  neededMs: number;
}

/** The schedule on a count that reaches every instant it is asked for. */
const scheduleOn = (policy: SlaPolicy, level: ServiceLevel, startedAt: Date, counted: (start: Date, elapsedMs: number) => Date): ClockSchedule => {
  const target = policy.levels[level].targetMs;
  return {
    dueAt: counted(startedAt, target),
    warnings: policy.warningAt.map((threshold) => ({ threshold, at: counted(startedAt, Math.round(target * threshold)) })),
    overdueAt: counted(startedAt, Math.round(target * policy.overdueAt)),
  };
};

/**
 * P5: the schedule of a response clock exactly as the policy counts it; reclassifying re-targets
 * it from the same `startedAt`. The overdue time is the furthest (`overdueAt` > 1 > every
 * warning), so a calendar that reaches it reaches every earlier one.
 */
export const exactScheduleFor = (policy: SlaPolicy, level: ServiceLevel, startedAt: Date): Result<ClockSchedule, UnreachableSchedule> => {
  const counted = countedTimeOf(policy);
  const neededMs = Math.round(policy.levels[level].targetMs * policy.overdueAt);
  if (!counted(startedAt, neededMs)) return err({ kind: 'beyond_calendar_horizon', level, neededMs });
  return ok(
    scheduleOn(policy, level, startedAt, (start, elapsedMs) => {
      const at = counted(start, elapsedMs);
      if (!at) throw new Error(`the calendar reached ${neededMs} ms of business time but not ${elapsedMs}`);
      return at;
    }),
  );
};

/** A clock's schedule, and whether its calendar had to be set aside for it. */
export interface CountedSchedule extends ClockSchedule {
  /**
   * The policy's calendar cannot reach the level's overdue time within the horizon (a policy
   * stored before validation refused that): the whole schedule counts calendar time, 24/7.
   */
  calendarFallback: boolean;
}

/**
 * The schedule a clock runs on: `exactScheduleFor`, else the same target and thresholds in
 * calendar time, 24/7 (docs/adr/0031, addendum), so a stored policy never keeps a ticket from
 * getting its clock. The same inputs always give the same schedule, at start and at re-target.
 */
export const scheduleFor = (policy: SlaPolicy, level: ServiceLevel, startedAt: Date): CountedSchedule => {
  const exact = exactScheduleFor(policy, level, startedAt);
  return exact.ok ? { ...exact.value, calendarFallback: false } : { ...scheduleOn(policy, level, startedAt, calendarTime), calendarFallback: true };
};
