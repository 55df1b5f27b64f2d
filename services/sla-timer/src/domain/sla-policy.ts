import { MAX_RESPONSE_MS, ServiceLevels, type ServiceLevel } from '@tss/contracts';
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
 */
export type CountedTime = (start: Date, elapsedMs: number) => Date;

/** P5: calendar time, 24/7 (the rules' default). */
export const calendarTime: CountedTime = (start, elapsedMs) => new Date(start.getTime() + elapsedMs);

/** How a policy counts time: business time on its calendar when it has one, else calendar time. */
export const countedTimeOf = ({ calendar }: SlaPolicy): CountedTime =>
  calendar ? (start, elapsedMs) => addBusinessTime(calendar, start, elapsedMs) : calendarTime;

/** P5: the schedule of a response clock; reclassifying re-targets it from the same `startedAt`. */
export const scheduleFor = (policy: SlaPolicy, level: ServiceLevel, startedAt: Date, counted: CountedTime = countedTimeOf(policy)): ClockSchedule => {
  const target = policy.levels[level].targetMs;
  return {
    dueAt: counted(startedAt, target),
    warnings: policy.warningAt.map((threshold) => ({ threshold, at: counted(startedAt, Math.round(target * threshold)) })),
    overdueAt: counted(startedAt, Math.round(target * policy.overdueAt)),
  };
};
