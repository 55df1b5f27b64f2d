import { IANAZone } from 'luxon';
import type { BusinessCalendar } from './sla-policy';

/**
 * Business-time counting for an agreement's calendar (issue #10): opening periods are local wall
 * times in the calendar's IANA zone, so the zone's own rules (Luxon, not hand-written offsets)
 * decide how long a period lasts on the days the clocks change (docs/adr/0031).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/**
 * How many local days `addBusinessTime` walks before it gives up: the calculator's horizon. Policy
 * validation refuses a calendar that cannot count a level's overdue time within it (docs/adr/0031).
 */
export const BUSINESS_TIME_HORIZON_DAYS = 366 * 100;
/**
 * UTC-offset changes a zone makes in a year, at most, as the lower bound below assumes: two for
 * daylight saving time, two more for a suspension such as Morocco's around Ramadan.
 */
const MAX_OFFSET_CHANGES_PER_YEAR = 4;

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
 * holidays do not. Reaching the target exactly at a period's end answers that end. Undefined when
 * the calendar does not open that long within the horizon (a policy stored before validation
 * refused such calendars; docs/adr/0031).
 */
export const addBusinessTime = (calendar: BusinessCalendar, start: Date, elapsedMs: number): Date | undefined => {
  if (elapsedMs <= 0) return new Date(start.getTime());
  const zone = zoneOf(calendar);
  const holidays = new Set(calendar.holidays);
  let remainingMs = elapsedMs;
  // From the day before: with a change at midnight, a local day's first instant may precede `start`'s day.
  const firstDay = localDayOf(zone, start.getTime()) - DAY_MS;
  for (let day = firstDay, scanned = 0; scanned < BUSINESS_TIME_HORIZON_DAYS; day += DAY_MS, scanned += 1) {
    for (const [periodStart, periodEnd] of openIntervalsOf(calendar, zone, holidays, day)) {
      const from = Math.max(periodStart, start.getTime());
      if (periodEnd <= from) continue;
      if (remainingMs <= periodEnd - from) return new Date(from + remainingMs);
      remainingMs -= periodEnd - from;
    }
  }
  return undefined;
};

/** Wall-clock open time of each ISO weekday (index 1–7), ms; the periods are valid and disjoint. */
const openWallMsByWeekday = (calendar: BusinessCalendar): number[] =>
  [0, 1, 2, 3, 4, 5, 6, 7].map((weekday) =>
    (calendar.week[weekday as IsoWeekday] ?? []).reduce((sum, p) => sum + (minutesOfDay(p.to) - minutesOfDay(p.from)) * MINUTE_MS, 0),
  );

/** A calendar's open time a week by its wall clock, ms (what an admin reads off the periods). */
export const weeklyOpenMs = (calendar: BusinessCalendar): number => openWallMsByWeekday(calendar).reduce((sum, ms) => sum + ms, 0);

/**
 * Business time `addBusinessTime` finds within its horizon from any start, at least, for a
 * calendar whose periods are valid (docs/adr/0031): the whole weeks the horizon surely holds after
 * the start's day, less each holiday's open hours and, per offset change the zone may make, two
 * days' worth (a change skips at most a day of wall time; one that crosses midnight touches two).
 * Nothing that needs no more than this can run past the horizon.
 */
export const guaranteedBusinessTimeMs = (calendar: BusinessCalendar): number => {
  const openByWeekday = openWallMsByWeekday(calendar);
  // The scan starts the day before the start's day; the start's day and the last one may be partial.
  const wholeWeeks = Math.floor((BUSINESS_TIME_HORIZON_DAYS - 3) / 7);
  const holidaysMs = [...new Set(calendar.holidays)].reduce((sum, holiday) => sum + openByWeekday[isoWeekdayOf(Date.parse(`${holiday}T00:00:00Z`))], 0);
  const busiestDayMs = Math.max(...openByWeekday);
  const offsetChanges = MAX_OFFSET_CHANGES_PER_YEAR * Math.ceil(BUSINESS_TIME_HORIZON_DAYS / 365);
  return Math.max(0, wholeWeeks * weeklyOpenMs(calendar) - holidaysMs - offsetChanges * 2 * busiestDayMs);
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
