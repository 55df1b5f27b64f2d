import { addBusinessTime, businessTimeBetween, instantOfWallTime } from '../../src/domain/calendar';
import type { BusinessCalendar } from '../../src/domain/sla-policy';
import { IANAZone } from 'luxon';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const NINE_TO_FIVE = [{ from: '09:00', to: '17:00' }];
const weekdays = (timeZone: string, holidays: string[] = []): BusinessCalendar => ({
  timeZone,
  week: { 1: NINE_TO_FIVE, 2: NINE_TO_FIVE, 3: NINE_TO_FIVE, 4: NINE_TO_FIVE, 5: NINE_TO_FIVE },
  holidays,
});
const ALL_DAY = [{ from: '00:00', to: '24:00' }];
const allWeek = (timeZone: string): BusinessCalendar => ({ timeZone, week: { 1: ALL_DAY, 2: ALL_DAY, 3: ALL_DAY, 4: ALL_DAY, 5: ALL_DAY, 6: ALL_DAY, 7: ALL_DAY }, holidays: [] });
const sundaysOnly = (timeZone: string, from: string, to: string): BusinessCalendar => ({ timeZone, week: { 7: [{ from, to }] }, holidays: [] });

type Row = [string, BusinessCalendar, string, number, string];

const due = (calendar: BusinessCalendar, startedAt: string, elapsedMs: number) => addBusinessTime(calendar, new Date(startedAt), elapsedMs)?.toISOString();

describe('business-time counting (issue #10 calendars)', () => {
  // Berlin is UTC+1 in winter (CET) and UTC+2 in summer (CEST).
  it.each<Row>([
    ['within one day', weekdays('Europe/Berlin'), '2026-03-02T09:00:00.000Z', 2 * HOUR, '2026-03-02T11:00:00.000Z'],
    ['from the evening into the next morning', weekdays('Europe/Berlin'), '2026-03-02T15:00:00.000Z', 2 * HOUR, '2026-03-03T09:00:00.000Z'],
    ['from Friday over the weekend to Monday', weekdays('Europe/Berlin'), '2026-03-06T15:00:00.000Z', 2 * HOUR, '2026-03-09T09:00:00.000Z'],
    ['started before opening', weekdays('Europe/Berlin'), '2026-03-02T06:00:00.000Z', HOUR, '2026-03-02T09:00:00.000Z'],
    ['started on a Saturday', weekdays('Europe/Berlin'), '2026-03-07T11:00:00.000Z', HOUR, '2026-03-09T09:00:00.000Z'],
    ['reaching the target at closing time answers closing time', weekdays('Europe/Berlin'), '2026-03-02T08:00:00.000Z', 8 * HOUR, '2026-03-02T16:00:00.000Z'],
    ['across several days: 12 h from Monday 16:00 is Wednesday 12:00', weekdays('Europe/Berlin'), '2026-03-02T15:00:00.000Z', 12 * HOUR, '2026-03-04T11:00:00.000Z'],
    ['a holiday (Tuesday) has no hours', weekdays('Europe/Berlin', ['2026-03-03']), '2026-03-02T15:00:00.000Z', 2 * HOUR, '2026-03-04T09:00:00.000Z'],
    ['a holiday on the start day: counting begins the next open day', weekdays('Europe/Berlin', ['2026-03-02']), '2026-03-02T10:00:00.000Z', HOUR, '2026-03-03T09:00:00.000Z'],
    ['Christmas and New Year holidays', weekdays('Europe/Berlin', ['2026-12-24', '2026-12-25', '2026-12-31', '2027-01-01']), '2026-12-23T15:00:00.000Z', 3 * HOUR, '2026-12-28T10:00:00.000Z'],
    ['zero elapsed is the start itself', weekdays('Europe/Berlin'), '2026-03-07T11:00:00.000Z', 0, '2026-03-07T11:00:00.000Z'],
  ])('%s', (_name, calendar, startedAt, elapsedMs, expected) => {
    expect(due(calendar, startedAt, elapsedMs)).toBe(expected);
  });

  describe('periods that end at midnight (24:00)', () => {
    const evenings: BusinessCalendar = { timeZone: 'Europe/Berlin', week: { 1: [{ from: '20:00', to: '24:00' }], 2: [{ from: '00:00', to: '02:00' }] }, holidays: [] };
    const mondayEvenings: BusinessCalendar = { timeZone: 'Europe/Berlin', week: { 1: [{ from: '20:00', to: '24:00' }] }, holidays: [] };
    it.each<Row>([
      ['a period ending at 24:00 runs on into the next day’s 00:00 period', evenings, '2026-03-02T22:00:00.000Z', 2 * HOUR, '2026-03-03T00:00:00.000Z'],
      ['the target reached exactly at 24:00 is local midnight', evenings, '2026-03-02T19:00:00.000Z', 4 * HOUR, '2026-03-02T23:00:00.000Z'],
      ['past 24:00 with no period after midnight waits a week', mondayEvenings, '2026-03-02T22:00:00.000Z', 2 * HOUR, '2026-03-09T20:00:00.000Z'],
      ['a 24/7 calendar of 00:00–24:00 days is calendar time', allWeek('Europe/Berlin'), '2026-03-02T22:30:00.000Z', 36 * HOUR, '2026-03-04T10:30:00.000Z'],
    ])('%s', (_name, calendar, startedAt, elapsedMs, expected) => {
      expect(due(calendar, startedAt, elapsedMs)).toBe(expected);
    });
  });

  describe('daylight-saving changes', () => {
    // Europe/Berlin: 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET.
    // America/New_York: 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
    it.each<Row>([
      ['Berlin spring: 9–17 from Friday (CET) to Monday (CEST)', weekdays('Europe/Berlin'), '2026-03-27T15:00:00.000Z', 2 * HOUR, '2026-03-30T08:00:00.000Z'],
      ['Berlin spring: 24/7 counts the 23-hour Sunday as 23 hours', allWeek('Europe/Berlin'), '2026-03-28T11:00:00.000Z', 24 * HOUR, '2026-03-29T11:00:00.000Z'],
      ['Berlin spring: 01:00–04:00 lasts 2 hours; the third waits a week', sundaysOnly('Europe/Berlin', '01:00', '04:00'), '2026-03-28T11:00:00.000Z', 3 * HOUR, '2026-04-05T00:00:00.000Z'],
      ['Berlin spring: 01:00–04:00 closes at 04:00 CEST', sundaysOnly('Europe/Berlin', '01:00', '04:00'), '2026-03-28T11:00:00.000Z', 2 * HOUR, '2026-03-29T02:00:00.000Z'],
      ['Berlin spring: a period inside the skipped hour (02:00–02:30) has no time', sundaysOnly('Europe/Berlin', '02:00', '02:30'), '2026-03-28T11:00:00.000Z', 10 * MINUTE, '2026-04-05T00:10:00.000Z'],
      ['Berlin spring: a period opening in the skipped hour opens at the change', sundaysOnly('Europe/Berlin', '02:30', '04:00'), '2026-03-28T11:00:00.000Z', HOUR, '2026-03-29T02:00:00.000Z'],
      ['Berlin autumn: 9–17 from Friday (CEST) to Monday (CET)', weekdays('Europe/Berlin'), '2026-10-23T14:00:00.000Z', 2 * HOUR, '2026-10-26T09:00:00.000Z'],
      ['Berlin autumn: 01:00–04:00 lasts 4 hours', sundaysOnly('Europe/Berlin', '01:00', '04:00'), '2026-10-24T11:00:00.000Z', 4 * HOUR, '2026-10-25T03:00:00.000Z'],
      ['Berlin autumn: a repeated wall time opens at its first occurrence', sundaysOnly('Europe/Berlin', '02:30', '03:30'), '2026-10-24T11:00:00.000Z', 2 * HOUR, '2026-10-25T02:30:00.000Z'],
      ['Berlin autumn: 24/7 counts the 25-hour Sunday as 25 hours', allWeek('Europe/Berlin'), '2026-10-24T10:00:00.000Z', 24 * HOUR, '2026-10-25T10:00:00.000Z'],
      ['New York spring: 9–17 from Friday (EST) to Monday (EDT)', weekdays('America/New_York'), '2026-03-06T21:00:00.000Z', 2 * HOUR, '2026-03-09T14:00:00.000Z'],
      ['New York spring: Sunday 00:00–03:00 lasts 2 hours', sundaysOnly('America/New_York', '00:00', '03:00'), '2026-03-07T17:00:00.000Z', 2 * HOUR, '2026-03-08T07:00:00.000Z'],
      ['New York spring: 24/7 across the change is calendar time', allWeek('America/New_York'), '2026-03-07T17:00:00.000Z', 24 * HOUR, '2026-03-08T17:00:00.000Z'],
      ['New York autumn: 9–17 from Friday (EDT) to Monday (EST)', weekdays('America/New_York'), '2026-10-30T20:00:00.000Z', 2 * HOUR, '2026-11-02T15:00:00.000Z'],
      ['New York autumn: Sunday 00:00–03:00 lasts 4 hours', sundaysOnly('America/New_York', '00:00', '03:00'), '2026-10-31T16:00:00.000Z', 4 * HOUR, '2026-11-01T08:00:00.000Z'],
      ['New York autumn: 24/7 across the change is calendar time', allWeek('America/New_York'), '2026-10-31T16:00:00.000Z', 24 * HOUR, '2026-11-01T16:00:00.000Z'],
    ])('%s', (_name, calendar, startedAt, elapsedMs, expected) => {
      expect(due(calendar, startedAt, elapsedMs)).toBe(expected);
    });
  });

  describe('wall times to instants', () => {
    const berlin = IANAZone.create('Europe/Berlin');
    const day = (isoDate: string) => Date.parse(`${isoDate}T00:00:00.000Z`);
    it.each([
      ['an ordinary winter time', '2026-01-15', '10:00', '2026-01-15T09:00:00.000Z'],
      ['a skipped time maps to the change', '2026-03-29', '02:30', '2026-03-29T01:00:00.000Z'],
      ['a repeated time maps to its first occurrence', '2026-10-25', '02:30', '2026-10-25T00:30:00.000Z'],
      ['24:00 is the next midnight', '2026-03-28', '24:00', '2026-03-28T23:00:00.000Z'],
    ])('%s', (_name, isoDate, hhmm, expected) => {
      const minutes = Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
      expect(new Date(instantOfWallTime(berlin, day(isoDate), minutes)).toISOString()).toBe(expected);
    });
  });

  describe('business time between two instants', () => {
    it.each<[string, BusinessCalendar, string, string, number]>([
      ['a weekend counts nothing', weekdays('Europe/Berlin'), '2026-03-06T16:00:00.000Z', '2026-03-09T08:00:00.000Z', 0],
      ['Friday 16:00 to Monday 10:00 across the Berlin spring change', weekdays('Europe/Berlin'), '2026-03-27T15:00:00.000Z', '2026-03-30T08:00:00.000Z', 2 * HOUR],
      ['the Berlin autumn Sunday 01:00–04:00 holds 4 hours', sundaysOnly('Europe/Berlin', '01:00', '04:00'), '2026-10-24T00:00:00.000Z', '2026-10-26T00:00:00.000Z', 4 * HOUR],
      ['an end before the start is nothing', weekdays('Europe/Berlin'), '2026-03-03T10:00:00.000Z', '2026-03-02T10:00:00.000Z', 0],
    ])('%s', (_name, calendar, from, to, expected) => {
      expect(businessTimeBetween(calendar, new Date(from), new Date(to))).toBe(expected);
    });

    it.each([1, 7, 8, 13, 40, 200].map((hours) => [hours]))('counting back %i business hours from the due time gives the target', (hours) => {
      const calendar = weekdays('America/New_York', ['2026-11-26']);
      const startedAt = new Date('2026-10-29T18:17:00.000Z');
      const dueAt = addBusinessTime(calendar, startedAt, hours * HOUR) ?? startedAt;
      expect(businessTimeBetween(calendar, startedAt, dueAt)).toBe(hours * HOUR);
    });
  });
});
