import { MAX_RESPONSE_MS, ServiceLevels, type ServiceLevel } from '@tss/contracts';
import { err, ok, type Result } from '@tss/service-kit';
import { addBusinessTime } from './calendar';

/**
 * An SLA policy (issue #10, P5): per level, the maximum response time, whether phone support is
 * included (P12), and when warnings and overdue notices fall, as fractions of the target. A
 * policy is versioned; a clock keeps the version it started under.
 */
export interface LevelTerms {
  /**
   * Maximum response time, ms of calendar time (or of business time when the policy has a calendar;
   * a clock is still due no later than the rules' maximum in calendar time, `scheduleOn`).
   */
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
  /**
   * What decides the due time: `terms`, the policy's target counted as the policy counts it; or
   * `rules_maximum`, the rules' maximum for the level in calendar time from the start, when the
   * terms would fall due later (P5; docs/adr/0031, addendum of 2026-12-04, sixth session).
   */
  dueBy: 'terms' | 'rules_maximum';
  /** The target the due time is `targetMs` of counted time after the start: the terms', or the rules' maximum. */
  targetMs: number;
  /** The due time counts business time on the policy's calendar (only when the terms decide it on a calendar). */
  countsBusinessTime: boolean;
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

/**
 * P5: the rules' maximum response times are calendar time, 24/7, and an agreement may promise
 * faster responses, never slower. Each of a clock's instants (the due time, every warning, the
 * overdue notice) is therefore the earlier of the policy's own instant (its fraction of the target,
 * counted as the policy counts it) and the same fraction of the rules' maximum for the level in
 * calendar time from the start. Both sequences ascend with the fraction, so their earlier one
 * does too: warnings before the due time, the overdue notice after it (docs/adr/0031, addendum of
 * 2026-12-04, sixth session).
 */
const scheduleOn = (
  policy: SlaPolicy,
  level: ServiceLevel,
  startedAt: Date,
  counted: (start: Date, elapsedMs: number) => Date,
  countsBusinessTime: boolean,
): ClockSchedule => {
  const targetMs = policy.levels[level].targetMs;
  const maximumMs = MAX_RESPONSE_MS[level];
  const byTerms = (fraction: number): Date => counted(startedAt, Math.round(targetMs * fraction));
  const byRules = (fraction: number): Date => calendarTime(startedAt, Math.round(maximumMs * fraction));
  const earlierAt = (fraction: number): Date => {
    const [terms, rules] = [byTerms(fraction), byRules(fraction)];
    return terms.getTime() <= rules.getTime() ? terms : rules;
  };
  const termsDueAt = byTerms(1);
  const rulesDueAt = byRules(1);
  // The due time's own measure: elapsed and remaining time are counted in it, so they agree with `dueAt`.
  const due =
    termsDueAt.getTime() <= rulesDueAt.getTime()
      ? { dueAt: termsDueAt, dueBy: 'terms' as const, targetMs, countsBusinessTime }
      : { dueAt: rulesDueAt, dueBy: 'rules_maximum' as const, targetMs: maximumMs, countsBusinessTime: false };
  return {
    ...due,
    warnings: policy.warningAt.map((threshold) => ({ threshold, at: earlierAt(threshold) })),
    overdueAt: earlierAt(policy.overdueAt),
  };
};

/**
 * P5: the schedule of a response clock as the policy counts it, each instant bounded by the rules'
 * maximum in calendar time (`scheduleOn`); reclassifying re-targets it from the same `startedAt`.
 * The overdue time is the furthest (`overdueAt` > 1 > every warning), so a calendar that reaches
 * it reaches every earlier one.
 */
export const exactScheduleFor = (policy: SlaPolicy, level: ServiceLevel, startedAt: Date): Result<ClockSchedule, UnreachableSchedule> => {
  const counted = countedTimeOf(policy);
  const neededMs = Math.round(policy.levels[level].targetMs * policy.overdueAt);
  if (!counted(startedAt, neededMs)) return err({ kind: 'beyond_calendar_horizon', level, neededMs });
  return ok(
    scheduleOn(
      policy,
      level,
      startedAt,
      (start, elapsedMs) => {
        const at = counted(start, elapsedMs);
        if (!at) throw new Error(`the calendar reached ${neededMs} ms of business time but not ${elapsedMs}`);
        return at;
      },
      policy.calendar !== undefined,
    ),
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
  return exact.ok ? { ...exact.value, calendarFallback: false } : { ...scheduleOn(policy, level, startedAt, calendarTime, false), calendarFallback: true };
};
