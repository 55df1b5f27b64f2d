import { onDutyAt, rosterProblems, shiftCovers, type Roster, type Shift } from '../src/domain/roster';

// 2026-03-02 is a Monday.
const shift = (over: Partial<Shift>): Shift => ({ staffId: 'a', role: 'team_leader', timeZone: 'UTC', weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '17:00', ...over });
const ids = (roster: Roster, at: string, role?: Shift['role']) => onDutyAt(roster, new Date(at), role).map((d) => d.staffId);

describe('on-duty roster (issue #12)', () => {
  it('a day shift covers its local hours on its weekdays only, end exclusive', () => {
    const s = shift({});
    expect(shiftCovers(s, new Date('2026-03-02T09:00:00Z'))).toBe(true);
    expect(shiftCovers(s, new Date('2026-03-02T16:59:00Z'))).toBe(true);
    expect(shiftCovers(s, new Date('2026-03-02T17:00:00Z'))).toBe(false);
    expect(shiftCovers(s, new Date('2026-03-02T08:59:00Z'))).toBe(false);
    expect(shiftCovers(s, new Date('2026-03-07T10:00:00Z'))).toBe(false); // Saturday
  });

  it('local times are in the shift’s zone: 09:00 in Moscow is 06:00 UTC, in New York 14:00 UTC (winter)', () => {
    const roster: Roster = {
      shifts: [shift({ staffId: 'moscow', timeZone: 'Europe/Moscow', start: '09:00', end: '18:00' }), shift({ staffId: 'ny', timeZone: 'America/New_York', start: '09:00', end: '18:00' })],
      overrides: [],
    };
    expect(ids(roster, '2026-03-02T06:30:00Z')).toEqual(['moscow']);
    expect(ids(roster, '2026-03-02T14:30:00Z')).toEqual(['moscow', 'ny']);
    expect(ids(roster, '2026-03-02T15:30:00Z')).toEqual(['ny']);
    expect(ids(roster, '2026-03-02T23:30:00Z')).toEqual([]);
  });

  it('an overnight shift runs past midnight into the next day, from the day it starts on', () => {
    const night = shift({ staffId: 'night', start: '22:00', end: '06:00', weekdays: [5] }); // Friday night
    expect(shiftCovers(night, new Date('2026-03-06T22:00:00Z'))).toBe(true); // Fri 22:00
    expect(shiftCovers(night, new Date('2026-03-07T05:59:00Z'))).toBe(true); // Sat 05:59
    expect(shiftCovers(night, new Date('2026-03-07T06:00:00Z'))).toBe(false);
    expect(shiftCovers(night, new Date('2026-03-05T23:00:00Z'))).toBe(false); // Thursday night
    expect(shiftCovers(night, new Date('2026-03-06T03:00:00Z'))).toBe(false); // Fri early: Thursday's night
  });

  it('equal start and end is a 24-hour shift', () => {
    expect(shiftCovers(shift({ start: '00:00', end: '00:00', weekdays: [1, 2, 3, 4, 5, 6, 7] }), new Date('2026-03-08T13:00:00Z'))).toBe(true);
  });

  it('follows daylight saving: 09:00 New York is 14:00 UTC before 8 March 2026 and 13:00 UTC after', () => {
    const ny = shift({ staffId: 'ny', timeZone: 'America/New_York', weekdays: [1, 2, 3, 4, 5, 6, 7] });
    expect(shiftCovers(ny, new Date('2026-03-06T13:30:00Z'))).toBe(false);
    expect(shiftCovers(ny, new Date('2026-03-09T13:30:00Z'))).toBe(true);
  });

  it('overrides: off removes someone for a period, on adds someone; only in their role', () => {
    const roster: Roster = {
      shifts: [shift({ staffId: 'lead' }), shift({ staffId: 'agent', role: 'agent' })],
      overrides: [
        { staffId: 'lead', role: 'team_leader', from: new Date('2026-03-02T10:00:00Z'), to: new Date('2026-03-02T12:00:00Z'), duty: 'off' },
        { staffId: 'stand-in', role: 'team_leader', from: new Date('2026-03-02T10:00:00Z'), to: new Date('2026-03-02T12:00:00Z'), duty: 'on' },
      ],
    };
    expect(ids(roster, '2026-03-02T09:30:00Z', 'team_leader')).toEqual(['lead']);
    expect(ids(roster, '2026-03-02T11:00:00Z', 'team_leader')).toEqual(['stand-in']);
    expect(ids(roster, '2026-03-02T11:00:00Z', 'agent')).toEqual(['agent']);
    expect(ids(roster, '2026-03-02T12:00:00Z', 'team_leader')).toEqual(['lead']);
  });

  it('validation names unknown zones, bad times, backwards periods and unknown staff', () => {
    const roster: Roster = {
      shifts: [shift({ staffId: 'ghost', timeZone: 'Mars/Olympus', start: '25:00' })],
      overrides: [{ staffId: 'a', role: 'agent', from: new Date('2026-03-02T12:00:00Z'), to: new Date('2026-03-02T10:00:00Z'), duty: 'on' }],
    };
    expect(rosterProblems(roster, new Set(['a'])).map((p) => p.pointer)).toEqual(['/shifts/0/timeZone', '/shifts/0/start', '/shifts/0/staffId', '/overrides/0/to']);
    expect(rosterProblems({ shifts: [shift({})], overrides: [] }, new Set(['a']))).toEqual([]);
  });

  it('a leap second (23:59:60, valid RFC 3339 that Date cannot hold) is named at its end of the period, not reported as a backwards period', () => {
    const leap = new Date('2026-06-30T23:59:60Z');
    const override = { staffId: 'a', role: 'agent' as const, duty: 'on' as const };
    const problems = rosterProblems({ shifts: [], overrides: [{ ...override, from: leap, to: new Date('2026-07-02T00:00:00Z') }, { ...override, from: new Date('2026-07-01T00:00:00Z'), to: leap }] }, new Set(['a']));
    expect(problems).toEqual([
      { pointer: '/overrides/0/from', message: expect.stringContaining('leap second') },
      { pointer: '/overrides/1/to', message: expect.stringContaining('leap second') },
    ]);
  });
});
