import { DEFAULT_POLICY, exactScheduleFor, scheduleFor, type SlaPolicy } from '../../src/domain/sla-policy';

const HOUR = 3_600_000;
const iso = (d: Date) => d.toISOString();

describe('P5: the schedule of a clock under a policy', () => {
  it('the default policy counts calendar time, 24/7: standard 12 h, warnings at 50/75/90 %, overdue at 150 %', () => {
    const schedule = scheduleFor(DEFAULT_POLICY, 'standard', new Date('2026-03-28T20:00:00.000Z'));
    expect(iso(schedule.dueAt)).toBe('2026-03-29T08:00:00.000Z');
    expect(schedule.warnings.map((w) => [w.threshold, iso(w.at)])).toEqual([
      [0.5, '2026-03-29T02:00:00.000Z'],
      [0.75, '2026-03-29T05:00:00.000Z'],
      [0.9, '2026-03-29T06:48:00.000Z'],
    ]);
    expect(iso(schedule.overdueAt)).toBe('2026-03-29T14:00:00.000Z');
  });

  it('a policy with a calendar counts business time for the due time, the warnings and the overdue notice', () => {
    const withLunch = [{ from: '09:00', to: '12:00' }, { from: '13:00', to: '17:00' }];
    const policy: SlaPolicy = {
      ...DEFAULT_POLICY,
      levels: { ...DEFAULT_POLICY.levels, standard: { targetMs: 4 * HOUR, phoneSupport: true } },
      warningAt: [0.5],
      overdueAt: 2,
      calendar: { timeZone: 'America/New_York', week: { 1: withLunch, 2: withLunch, 3: withLunch, 4: withLunch, 5: withLunch }, holidays: ['2026-11-02'] },
    };
    // Tuesday 09:00 EST: 3 h before lunch, 1 h after it.
    const schedule = scheduleFor(policy, 'standard', new Date('2026-11-03T14:00:00.000Z'));
    expect(schedule).toMatchObject({ dueBy: 'terms', targetMs: 4 * HOUR, countsBusinessTime: true });
    expect(iso(schedule.warnings[0].at)).toBe('2026-11-03T16:00:00.000Z'); // 11:00 EST
    expect(iso(schedule.dueAt)).toBe('2026-11-03T19:00:00.000Z'); // 14:00 EST, lunch not counted
  });

  it('P5 (docs/adr/0031, addendum of 2026-12-04, sixth session): each instant is the earlier of the business-time one and the same fraction of the rules’ maximum in calendar time', () => {
    const nineToFive = [{ from: '09:00', to: '17:00' }];
    const policy: SlaPolicy = {
      ...DEFAULT_POLICY,
      levels: { ...DEFAULT_POLICY.levels, standard: { targetMs: 8 * HOUR, phoneSupport: true } },
      warningAt: [0.25, 0.5],
      overdueAt: 2,
      calendar: { timeZone: 'America/New_York', week: { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive }, holidays: ['2026-11-02'] },
    };
    // Friday 15:00 EDT. Business time alone: 25 % (2 h) at 17:00 Friday, due Tuesday 15:00 EST
    // (the weekend, the 01 Nov change and the Monday holiday count nothing). The rules' 12 h end Saturday 03:00 EDT.
    const startedAt = new Date('2026-10-30T19:00:00.000Z');
    const schedule = scheduleFor(policy, 'standard', startedAt);
    expect(schedule).toMatchObject({ dueBy: 'rules_maximum', targetMs: 12 * HOUR, countsBusinessTime: false, calendarFallback: false });
    expect(iso(schedule.dueAt)).toBe('2026-10-31T07:00:00.000Z'); // start + 12 h
    expect(schedule.warnings.map((w) => iso(w.at))).toEqual([
      '2026-10-30T21:00:00.000Z', // business: 2 h, before 25 % of 12 h (3 h)
      '2026-10-31T01:00:00.000Z', // 50 % of 12 h, before Monday's business 4 h
    ]);
    expect(iso(schedule.overdueAt)).toBe('2026-10-31T19:00:00.000Z'); // start + 2 × 12 h
    // A policy given without a calendar keeps its own faster targets: its times come first.
    const faster = scheduleFor({ ...policy, calendar: undefined }, 'standard', startedAt);
    expect(faster).toMatchObject({ dueBy: 'terms', targetMs: 8 * HOUR, dueAt: new Date('2026-10-31T03:00:00.000Z') });
  });

  it('P5: a re-target from the original start uses the same counting', () => {
    const startedAt = new Date('2026-03-02T08:00:00.000Z');
    expect(iso(scheduleFor(DEFAULT_POLICY, 'development', startedAt).dueAt)).toBe('2026-03-09T08:00:00.000Z');
    expect(iso(scheduleFor(DEFAULT_POLICY, 'emergency', startedAt).dueAt)).toBe('2026-03-02T14:00:00.000Z');
  });
});

describe('docs/adr/0031: a stored calendar that cannot count a level’s times', () => {
  const DAY = 86_400_000;
  /** As a PUT stored it before validation refused such calendars (the outside repro). */
  const sparse: SlaPolicy = {
    ...DEFAULT_POLICY,
    levels: { ...DEFAULT_POLICY.levels, development: { targetMs: 90 * DAY, phoneSupport: false } },
    calendar: { timeZone: 'Europe/Berlin', week: { 1: [{ from: '09:00', to: '09:01' }] }, holidays: [] },
  };
  const startedAt = new Date('2026-03-02T08:30:00.000Z');

  it('the exact schedule is an error naming the level and the business time it needs, not a throw', () => {
    expect(exactScheduleFor(sparse, 'development', startedAt)).toEqual({ ok: false, error: { kind: 'beyond_calendar_horizon', level: 'development', neededMs: 135 * DAY } });
  });

  it('a clock’s schedule falls back to calendar time, 24/7, with the policy’s own thresholds, still bounded by the rules’ maximum, and says so', () => {
    const schedule = scheduleFor(sparse, 'development', startedAt);
    expect(schedule.calendarFallback).toBe(true);
    // The stored 90 days are past the rules' 7 days (P5, docs/adr/0031, addendum of 2026-12-04, sixth session).
    expect(schedule).toMatchObject({ dueBy: 'rules_maximum', targetMs: 7 * DAY });
    expect(iso(schedule.dueAt)).toBe('2026-03-09T08:30:00.000Z');
    expect(schedule.warnings.map((w) => iso(w.at))).toEqual(['2026-03-05T20:30:00.000Z', '2026-03-07T14:30:00.000Z', '2026-03-08T15:42:00.000Z']);
    expect(iso(schedule.overdueAt)).toBe('2026-03-12T20:30:00.000Z');
  });

  it('a level the calendar can count is counted on it, under the rules’ bound, under the same policy', () => {
    // 6 h at 1 minute a week would take 360 Mondays; the rules' 6 hours come first.
    const schedule = scheduleFor(sparse, 'emergency', startedAt);
    expect(schedule.calendarFallback).toBe(false);
    expect(schedule).toMatchObject({ dueBy: 'rules_maximum', dueAt: new Date(startedAt.getTime() + 6 * HOUR) });
    const exact = exactScheduleFor(sparse, 'emergency', startedAt);
    expect(exact.ok && { ...exact.value, calendarFallback: false }).toEqual(schedule);
  });
});
