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
    const nineToFive = [{ from: '09:00', to: '17:00' }];
    const policy: SlaPolicy = {
      ...DEFAULT_POLICY,
      levels: { ...DEFAULT_POLICY.levels, standard: { targetMs: 8 * HOUR, phoneSupport: true } },
      warningAt: [0.5],
      overdueAt: 2,
      calendar: { timeZone: 'America/New_York', week: { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive }, holidays: ['2026-11-02'] },
    };
    // Friday 15:00 EDT; the weekend, the 01 Nov change and the Monday holiday count nothing.
    const schedule = scheduleFor(policy, 'standard', new Date('2026-10-30T19:00:00.000Z'));
    expect(iso(schedule.warnings[0].at)).toBe('2026-11-03T16:00:00.000Z'); // Tue 11:00 EST: 2 h Friday + 2 h
    expect(iso(schedule.dueAt)).toBe('2026-11-03T20:00:00.000Z'); // Tue 15:00 EST
    expect(iso(schedule.overdueAt)).toBe('2026-11-04T20:00:00.000Z'); // Wed 15:00 EST
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

  it('a clock’s schedule falls back to calendar time, 24/7, with the policy’s own target and thresholds, and says so', () => {
    const schedule = scheduleFor(sparse, 'development', startedAt);
    expect(schedule.calendarFallback).toBe(true);
    expect(iso(schedule.dueAt)).toBe('2026-05-31T08:30:00.000Z');
    expect(schedule.warnings.map((w) => iso(w.at))).toEqual(['2026-04-16T08:30:00.000Z', '2026-05-08T20:30:00.000Z', '2026-05-22T08:30:00.000Z']);
    expect(iso(schedule.overdueAt)).toBe('2026-07-15T08:30:00.000Z');
  });

  it('a level the calendar can count keeps its business time under the same policy', () => {
    // 6 h at 1 minute a week: 360 Mondays, the last one's 09:00–09:01 local time.
    const schedule = scheduleFor(sparse, 'emergency', startedAt);
    expect(schedule.calendarFallback).toBe(false);
    expect(schedule.dueAt.getTime() - startedAt.getTime()).toBeGreaterThan(359 * 7 * DAY);
    const exact = exactScheduleFor(sparse, 'emergency', startedAt);
    expect(exact.ok && exact.value).toEqual({ dueAt: schedule.dueAt, warnings: schedule.warnings, overdueAt: schedule.overdueAt });
  });
});
