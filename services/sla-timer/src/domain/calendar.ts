import { IANAZone } from 'luxon';
import type { BusinessCalendar } from './sla-policy';

/**
 * Business-time counting for an agreement's calendar (issue #10): opening periods are local wall
 * times in the calendar's IANA zone, so the zone's own rules (Luxon, not hand-written offsets)
 * decide how long a period lasts on the days the clocks change (docs/adr/0031).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** No valid calendar needs this many days to count 90 days of business time; more is a bug. */
const MAX_DAYS_SCANNED = 366 * 100;

type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** `HH:mm` (or `24:00`) as minutes since local midnight. */
export const minutesOfDay = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A local calendar date, as the UTC midnight of the same Y-M-D (dates carry no zone). */
type LocalDay = number;

const isoWeekdayOf = (day: LocalDay): IsoWeekday => ((((new Date(day).getUTCDay() + 6) % 7) + 1) as IsoWeekday);
const isoDateOf = (day: LocalDay): string => new Date(day).toISOString().slice(0, 10);

/** The local date an instant falls on in `zone`. */
const localDayOf = (zone: IANAZone, instantMs: number): LocalDay => {
  const wallMs = instantMs + zone.offset(instantMs) * MINUTE_MS;
  return wallMs - (((wallMs % DAY_MS) + DAY_MS) % DAY_MS);
};

/**
 * The instant at which the wall clock of `zone` first shows `minutes` past midnight of `day`.
 * A wall time skipped by a spring-forward change maps to the change itself (the clock "reaches"
 * it there); a wall time repeated by a fall-back change maps to its first occurrence. `1440`
 * (24:00) is the next day's midnight.
 */
export const instantOfWallTime = (zone: IANAZone, day: LocalDay, minutes: number): number => {
  const wallMs = day + minutes * MINUTE_MS;
  // The offsets in force around that wall time; at most two differ (one change within a day).
  const offsets = new Set([zone.offset(wallMs - DAY_MS), zone.offset(wallMs + DAY_MS), zone.offset(wallMs)]);
  const matches = [...offsets].map((offset) => wallMs - offset * MINUTE_MS).filter((instant) => wallMs - zone.offset(instant) * MINUTE_MS === instant);
  if (matches.length > 0) return Math.min(...matches);
  // Skipped wall time: the change lies between reading it with the later and the earlier offset.
  const candidates = [...offsets].map((offset) => wallMs - offset * MINUTE_MS);
  let before = Math.min(...candidates);
  let after = Math.max(...candidates);
  const offsetAfter = zone.offset(after);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (zone.offset(middle) === offsetAfter) after = middle;
    else before = middle;
  }
  return after;
};

/** The open intervals [startMs, endMs) of one local day, in order; none on a holiday. */
const openIntervalsOf = (calendar: BusinessCalendar, zone: IANAZone, holidays: ReadonlySet<string>, day: LocalDay): [number, number][] => {
  if (holidays.has(isoDateOf(day))) return [];
  const periods = calendar.week[isoWeekdayOf(day)] ?? [];
  return periods
    .map((p) => [minutesOfDay(p.from), minutesOfDay(p.to)] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([from, to]): [number, number] => [instantOfWallTime(zone, day, from), instantOfWallTime(zone, day, to)])
    .filter(([start, end]) => end > start);
};

const zoneOf = (calendar: BusinessCalendar): IANAZone => {
  const zone = IANAZone.create(calendar.timeZone);
  if (!zone.isValid) throw new Error(`calendar time zone ${calendar.timeZone} is not valid; validate the policy first`);
  return zone;
};

/**
 * The instant `elapsedMs` of business time after `start`: open time counts, closed time and
 * holidays do not. Reaching the target exactly at a period's end answers that end.
 */
export const addBusinessTime = (calendar: BusinessCalendar, start: Date, elapsedMs: number): Date => {
  if (elapsedMs <= 0) return new Date(start.getTime());
  const zone = zoneOf(calendar);
  const holidays = new Set(calendar.holidays);
  let remainingMs = elapsedMs;
  // From the day before: with a change at midnight, a local day's first instant may precede `start`'s day.
  const firstDay = localDayOf(zone, start.getTime()) - DAY_MS;
  for (let day = firstDay, scanned = 0; scanned < MAX_DAYS_SCANNED; day += DAY_MS, scanned += 1) {
    for (const [periodStart, periodEnd] of openIntervalsOf(calendar, zone, holidays, day)) {
      const from = Math.max(periodStart, start.getTime());
      if (periodEnd <= from) continue;
      if (remainingMs <= periodEnd - from) return new Date(from + remainingMs);
      remainingMs -= periodEnd - from;
    }
  }
  throw new Error('business calendar has no open time within 100 years; validate the policy first');
};

/** Business time between two instants (0 when `to` is not after `from`): what a clock has used. */
export const businessTimeBetween = (calendar: BusinessCalendar, from: Date, to: Date): number => {
  if (to.getTime() <= from.getTime()) return 0;
  const zone = zoneOf(calendar);
  const holidays = new Set(calendar.holidays);
  let countedMs = 0;
  const lastDay = localDayOf(zone, to.getTime()) + DAY_MS;
  for (let day = localDayOf(zone, from.getTime()) - DAY_MS; day <= lastDay; day += DAY_MS) {
    for (const [periodStart, periodEnd] of openIntervalsOf(calendar, zone, holidays, day)) {
      const overlap = Math.min(periodEnd, to.getTime()) - Math.max(periodStart, from.getTime());
      if (overlap > 0) countedMs += overlap;
    }
  }
  return countedMs;
};
