import { IANAZone } from 'luxon';
import { MAX_RESPONSE_MS, ServiceLevels, type ServiceLevel } from '@tss/contracts';
import { err, ok, type Result } from '@tss/service-kit';
import { BUSINESS_TIME_HORIZON_DAYS, guaranteedBusinessTimeMs, minutesOfDay, weeklyOpenMs } from './calendar';
import type { BusinessCalendar, PolicyVersion, SlaPolicy } from './sla-policy';

const MINUTE_MS = 60_000;
const HORIZON_YEARS = Math.floor(BUSINESS_TIME_HORIZON_DAYS / 366);
const asMinutes = (ms: number): string => `${Math.floor(ms / MINUTE_MS)} min`;
/** A duration as people read it: `6 h`, `7 d`, `90 min`, `1.5 h`… */
const asDuration = (ms: number): string => {
  for (const [unitMs, unit] of [[86_400_000, 'd'], [3_600_000, 'h'], [MINUTE_MS, 'min']] as const) {
    if (ms >= unitMs && ms % (unitMs / 10) === 0) return `${ms / unitMs} ${unit}`;
  }
  return `${ms} ms`;
};

/** One thing wrong with a policy: where (a JSON pointer into it) and what. */
export interface PolicyProblem {
  pointer: string;
  message: string;
}

/**
 * The longest target a level may have: the maximum response time the rules publish for it
 * (policy rule 5, P5: 6 h, 12 h, 24 h, 7 d). An agreement may promise faster responses, never
 * slower ones, and the default policy is bound the same way (docs/adr/0031, addendum 2026-12-04).
 */
export const MAX_TARGET_MS: Readonly<Record<ServiceLevel, number>> = MAX_RESPONSE_MS;
/**
 * The shortest target: one minute. Below it a clock breaches before anyone could read the ticket,
 * and its warnings fall within the timer worker's own lateness (docs/adr/0031, addendum of
 * 2026-12-04, third session).
 */
export const MIN_TARGET_MS = MINUTE_MS;
/** The earliest warning: 1 % of the target; a warning at a trillionth of it is noise, not a warning. */
export const MIN_WARNING_FRACTION = 0.01;
/** Overdue notices past 10× the target would come months after anyone cares. */
export const MAX_OVERDUE_FRACTION = 10;
export const MAX_HOLIDAYS = 1000;

const HHMM = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEKDAYS = ['1', '2', '3', '4', '5', '6', '7'];

const isRealDate = (text: string): boolean => {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};

const levelProblems = (levels: Readonly<Record<string, { targetMs: number; phoneSupport: boolean }>>): PolicyProblem[] => {
  const problems: PolicyProblem[] = [];
  for (const name of Object.keys(levels)) {
    if (!(ServiceLevels as readonly string[]).includes(name)) problems.push({ pointer: `/levels/${name}`, message: `unknown level; the levels are ${ServiceLevels.join(', ')}` });
  }
  for (const level of ServiceLevels) {
    const terms = levels[level];
    if (!terms) {
      problems.push({ pointer: `/levels/${level}`, message: 'every level needs its terms' });
      continue;
    }
    if (!Number.isInteger(terms.targetMs) || terms.targetMs <= 0) problems.push({ pointer: `/levels/${level}/targetMs`, message: 'must be a positive whole number of milliseconds' });
    else if (terms.targetMs < MIN_TARGET_MS) {
      problems.push({ pointer: `/levels/${level}/targetMs`, message: `level ${level}: must be at least ${MIN_TARGET_MS} (${asDuration(MIN_TARGET_MS)})` });
    } else if (terms.targetMs > MAX_TARGET_MS[level]) {
      problems.push({
        pointer: `/levels/${level}/targetMs`,
        message: `level ${level}: must be at most ${MAX_TARGET_MS[level]} (${asDuration(MAX_TARGET_MS[level])}), the maximum response time the rules publish for it; an agreement may promise faster responses, never slower`,
      });
    }
  }
  // Compared only once every level's target is sound.
  if (problems.length === 0) problems.push(...orderProblems(levels));
  return problems;
};

/**
 * P4, P5: a more urgent level is never answered later than a less urgent one (emergencies are
 * expedited): each target is at most the next level's. Named at the more urgent level.
 */
const orderProblems = (levels: Readonly<Record<string, { targetMs: number }>>): PolicyProblem[] =>
  ServiceLevels.slice(0, -1).flatMap((level, i) => {
    const next = ServiceLevels[i + 1];
    if (levels[level].targetMs <= levels[next].targetMs) return [];
    return [
      {
        pointer: `/levels/${level}/targetMs`,
        message: `level ${level}: its target (${asDuration(levels[level].targetMs)}) must not be longer than level ${next}'s (${asDuration(levels[next].targetMs)}): a more urgent level is never answered later`,
      },
    ];
  });

const thresholdProblems = (warningAt: readonly number[], overdueAt: number): PolicyProblem[] => {
  const problems: PolicyProblem[] = [];
  // P7: a breached and an about-to-breach clock escalate to the team leader. The highest warning is
  // the clock's "about to breach" (`last: true`, docs/adr/0038); without any, none ever comes
  // (docs/adr/0031, addendum of 2026-12-05).
  if (warningAt.length === 0) {
    problems.push({ pointer: '/warningAt', message: 'needs at least one warning: the highest is the clock’s “about to breach”, which escalates to the team leader (P7), and an agreement cannot silence it' });
  }
  warningAt.forEach((threshold, i) => {
    if (!(Number.isFinite(threshold) && threshold > 0 && threshold < 1)) problems.push({ pointer: `/warningAt/${i}`, message: 'must be a fraction of the target between 0 and 1 (exclusive)' });
    else if (threshold < MIN_WARNING_FRACTION) problems.push({ pointer: `/warningAt/${i}`, message: `must be at least ${MIN_WARNING_FRACTION} (1 % of the target)` });
    else if (i > 0 && !(threshold > warningAt[i - 1])) problems.push({ pointer: `/warningAt/${i}`, message: 'warnings must be in ascending order, each once' });
  });
  if (!(Number.isFinite(overdueAt) && overdueAt > 1)) problems.push({ pointer: '/overdueAt', message: 'must be a fraction of the target greater than 1' });
  else if (overdueAt > MAX_OVERDUE_FRACTION) problems.push({ pointer: '/overdueAt', message: `must be at most ${MAX_OVERDUE_FRACTION}` });
  return problems;
};

/** Periods of one day: valid `HH:mm`, each ending after it starts, none overlapping another. */
const dayProblems = (pointer: string, periods: readonly { from: string; to: string }[]): PolicyProblem[] => {
  const problems: PolicyProblem[] = [];
  const valid: { index: number; from: number; to: number }[] = [];
  periods.forEach((period, index) => {
    const fromOk = HHMM.test(period.from) && period.from !== '24:00';
    const toOk = HHMM.test(period.to);
    if (!fromOk) problems.push({ pointer: `${pointer}/${index}/from`, message: 'must be a local time HH:mm from 00:00 to 23:59' });
    if (!toOk) problems.push({ pointer: `${pointer}/${index}/to`, message: 'must be a local time HH:mm from 00:01 to 24:00' });
    if (!fromOk || !toOk) return;
    const [from, to] = [minutesOfDay(period.from), minutesOfDay(period.to)];
    if (to <= from) problems.push({ pointer: `${pointer}/${index}/to`, message: `the period must end after it starts (${period.from}); a period cannot cross midnight: end it at 24:00 and open the next day at 00:00` });
    else valid.push({ index, from, to });
  });
  valid.sort((a, b) => a.from - b.from);
  for (let i = 1; i < valid.length; i += 1) {
    if (valid[i].from < valid[i - 1].to) problems.push({ pointer: `${pointer}/${valid[i].index}`, message: `overlaps period ${valid[i - 1].index} of the same day` });
  }
  return problems;
};

const calendarProblems = (calendar: BusinessCalendar): PolicyProblem[] => {
  const problems: PolicyProblem[] = [];
  if (typeof calendar.timeZone !== 'string' || !IANAZone.isValidZone(calendar.timeZone)) problems.push({ pointer: '/calendar/timeZone', message: 'must be an IANA time zone, e.g. Europe/Berlin' });
  let openPeriods = 0;
  for (const [weekday, periods] of Object.entries(calendar.week)) {
    if (!WEEKDAYS.includes(weekday)) {
      problems.push({ pointer: `/calendar/week/${weekday}`, message: 'weekdays are ISO numbers, 1 (Monday) to 7 (Sunday)' });
      continue;
    }
    openPeriods += periods?.length ?? 0;
    problems.push(...dayProblems(`/calendar/week/${weekday}`, periods ?? []));
  }
  if (openPeriods === 0) problems.push({ pointer: '/calendar/week', message: 'a calendar needs at least one open period in the week' });
  if (calendar.holidays.length > MAX_HOLIDAYS) problems.push({ pointer: '/calendar/holidays', message: `at most ${MAX_HOLIDAYS} holidays` });
  calendar.holidays.forEach((holiday, i) => {
    if (!isRealDate(holiday)) problems.push({ pointer: `/calendar/holidays/${i}`, message: 'must be a calendar date YYYY-MM-DD' });
  });
  return problems;
};


/**
 * Levels whose times the calendar cannot count within the calculator's horizon: the overdue
 * notice (target × `overdueAt`, the furthest of a level's times) needs more business time than
 * the calendar surely opens within it from any start (`guaranteedBusinessTimeMs`). Such a policy
 * would leave its tickets without a clock, so it is refused here rather than found out there.
 * For a policy whose levels, thresholds and calendar are otherwise valid.
 */
const horizonProblems = (policy: SlaPolicy, calendar: BusinessCalendar): PolicyProblem[] => {
  const availableMs = guaranteedBusinessTimeMs(calendar);
  return ServiceLevels.flatMap((level) => {
    const neededMs = Math.round(policy.levels[level].targetMs * policy.overdueAt);
    if (neededMs <= availableMs) return [];
    return [
      {
        pointer: `/levels/${level}/targetMs`,
        message:
          `level ${level}: the calendar cannot count this target: its overdue notice needs ${asMinutes(neededMs)} of business time (target × overdueAt ${policy.overdueAt}), ` +
          `but the calendar (open ${asMinutes(weeklyOpenMs(calendar))} a week, less holidays) is sure to open only ${asMinutes(availableMs)} within the ${HORIZON_YEARS} years the due time is looked for; ` +
          'open the calendar longer or lower the target',
      },
    ];
  });
};

/**
 * P5: the default policy, the terms of every partner without an agreement, counts "calendar time,
 * 24/7". Business hours are a partner's contract, agreed with that partner: they belong in its
 * agreement (docs/adr/0031, addendum of 2026-12-04, third session).
 */
const defaultCalendarProblems = (policy: SlaPolicy): PolicyProblem[] =>
  policy.calendar
    ? [{ pointer: '/calendar', message: 'the default policy counts calendar time, 24/7 (P5): business hours belong in a partner agreement (PUT /v1/partners/{id}/sla-policy)' }]
    : [];

/**
 * What makes a policy unusable, as pointers into it (issue #10: a bad policy is a 400 naming the
 * field, never a clock that can't be scheduled; a calendar too sparse for a level's target is one).
 * Pure: the same rules hold for PUT and preview; `scope: 'default'` adds the default's own (no calendar).
 */
export const validatePolicy = (policy: SlaPolicy, options: { scope?: 'default' | 'agreement' } = {}): Result<SlaPolicy, PolicyProblem[]> => {
  const problems = [
    ...(options.scope === 'default' ? defaultCalendarProblems(policy) : []),
    ...levelProblems(policy.levels),
    ...thresholdProblems(policy.warningAt, policy.overdueAt),
    ...(policy.calendar ? calendarProblems(policy.calendar) : []),
  ];
  // Counting is only worth checking on terms that are otherwise sound.
  if (problems.length === 0 && policy.calendar) problems.push(...horizonProblems(policy, policy.calendar));
  return problems.length === 0 ? ok(policy) : err(problems);
};

/**
 * What today's rules refuse in terms stored earlier (an older release stored targets under a
 * minute, warnings under 1 %…): what a PUT of the same terms would answer now. Such terms still
 * apply to clocks started under them; the caller names them so that someone stores sound ones.
 */
export const problemsToday = (version: PolicyVersion): PolicyProblem[] => {
  const checked = validatePolicy(version.policy, { scope: version.scope === 'default' ? 'default' : 'agreement' });
  return checked.ok ? [] : checked.error;
};
