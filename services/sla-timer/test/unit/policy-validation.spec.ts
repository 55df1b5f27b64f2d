import { DEFAULT_POLICY, exactScheduleFor, type BusinessCalendar, type SlaPolicy } from '../../src/domain/sla-policy';
import { MAX_TARGET_MS, validatePolicy } from '../../src/domain/policy-validation';

const CALENDAR: BusinessCalendar = { timeZone: 'Europe/Berlin', week: { 1: [{ from: '09:00', to: '17:00' }] }, holidays: ['2026-12-25'] };
const withCalendar = (calendar: Partial<BusinessCalendar>): SlaPolicy => ({ ...DEFAULT_POLICY, calendar: { ...CALENDAR, ...calendar } });
const withLevel = (level: string, targetMs: number): SlaPolicy =>
  ({ ...DEFAULT_POLICY, levels: { ...DEFAULT_POLICY.levels, [level]: { targetMs, phoneSupport: false } } }) as SlaPolicy;
const pointersOf = (policy: SlaPolicy) => {
  const result = validatePolicy(policy);
  return result.ok ? [] : result.error.map((p) => p.pointer);
};

describe('issue #10: an unusable policy is refused, naming the field', () => {
  it('the rules’ default policy and a valid calendar pass', () => {
    expect(validatePolicy(DEFAULT_POLICY).ok).toBe(true);
    expect(validatePolicy(withCalendar({ week: { 1: [{ from: '00:00', to: '08:00' }, { from: '20:00', to: '24:00' }], 2: [{ from: '08:00', to: '12:00' }, { from: '12:00', to: '16:00' }] } })).ok).toBe(true);
  });

  it.each<[string, SlaPolicy, string[]]>([
    ['a zero target', withLevel('emergency', 0), ['/levels/emergency/targetMs']],
    ['a negative target', withLevel('standard', -5), ['/levels/standard/targetMs']],
    ['a fractional target', withLevel('standard', 1.5), ['/levels/standard/targetMs']],
    ['a target past the published maximum (development, 7 d)', withLevel('development', 7 * 86_400_000 + 1), ['/levels/development/targetMs']],
    ['an emergency of 90 days (the outside repro)', withLevel('emergency', 7_776_000_000), ['/levels/emergency/targetMs']],
    ['an unknown level', withLevel('urgent', 3_600_000), ['/levels/urgent']],
    ['a missing level', { ...DEFAULT_POLICY, levels: { emergency: DEFAULT_POLICY.levels.emergency } } as unknown as SlaPolicy, ['/levels/standard', '/levels/consulting', '/levels/development']],
    ['no warning at all (P7: the clock would never be about to breach)', { ...DEFAULT_POLICY, warningAt: [] }, ['/warningAt']],
    ['warnings out of order', { ...DEFAULT_POLICY, warningAt: [0.5, 0.9, 0.75] }, ['/warningAt/2']],
    ['a repeated warning', { ...DEFAULT_POLICY, warningAt: [0.5, 0.5] }, ['/warningAt/1']],
    ['a warning at 0', { ...DEFAULT_POLICY, warningAt: [0, 0.5] }, ['/warningAt/0']],
    ['a warning under 1 % of the target', { ...DEFAULT_POLICY, warningAt: [0.009, 0.5] }, ['/warningAt/0']],
    ['a target under one minute', withLevel('emergency', 59_999), ['/levels/emergency/targetMs']],
    ['a warning at 1 (that is the breach)', { ...DEFAULT_POLICY, warningAt: [0.5, 1] }, ['/warningAt/1']],
    ['overdue at the target', { ...DEFAULT_POLICY, overdueAt: 1 }, ['/overdueAt']],
    ['overdue before the target', { ...DEFAULT_POLICY, overdueAt: 0.8 }, ['/overdueAt']],
    ['overdue absurdly late', { ...DEFAULT_POLICY, overdueAt: 11 }, ['/overdueAt']],
    ['an unknown time zone', withCalendar({ timeZone: 'Europe/Atlantis' }), ['/calendar/timeZone']],
    ['a bad HH:mm', withCalendar({ week: { 1: [{ from: '9:00', to: '17:00' }] } }), ['/calendar/week/1/0/from']],
    ['an hour past 24', withCalendar({ week: { 1: [{ from: '09:00', to: '25:00' }] } }), ['/calendar/week/1/0/to']],
    ['a period starting at 24:00', withCalendar({ week: { 1: [{ from: '24:00', to: '24:00' }] } }), ['/calendar/week/1/0/from']],
    ['a period ending before it starts', withCalendar({ week: { 1: [{ from: '17:00', to: '09:00' }] } }), ['/calendar/week/1/0/to']],
    ['an empty period', withCalendar({ week: { 1: [{ from: '09:00', to: '09:00' }] } }), ['/calendar/week/1/0/to']],
    ['overlapping periods', withCalendar({ week: { 3: [{ from: '13:00', to: '18:00' }, { from: '09:00', to: '14:00' }] } }), ['/calendar/week/3/0']],
    ['an unknown weekday', withCalendar({ week: { 1: [{ from: '09:00', to: '17:00' }], 8: [{ from: '09:00', to: '17:00' }] } as BusinessCalendar['week'] }), ['/calendar/week/8']],
    ['a week with no open time', withCalendar({ week: { 6: [] } }), ['/calendar/week']],
    ['a holiday that is no date', withCalendar({ holidays: ['2026-02-30'] }), ['/calendar/holidays/0']],
    ['a holiday in another format', withCalendar({ holidays: ['2026-12-25', '25.12.2026'] }), ['/calendar/holidays/1']],
  ])('%s', (_name, policy, pointers) => {
    expect(pointersOf(policy)).toEqual(pointers);
  });
});

describe('docs/adr/0031 addendum (2026-12-04): an agreement may promise faster responses than the rules publish, never slower', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const messagesOf = (policy: SlaPolicy) => {
    const result = validatePolicy(policy);
    return result.ok ? [] : result.error;
  };

  it.each<[string, number, string]>([
    ['emergency', 6 * HOUR, '6 h'],
    ['standard', 12 * HOUR, '12 h'],
    ['consulting', 24 * HOUR, '1 d'],
    ['development', 7 * DAY, '7 d'],
  ])('%s: at most the published maximum (%i ms) passes, a millisecond more is refused naming the level and the maximum', (level, maxMs, readable) => {
    // The levels above stay in order: a slower level is raised with the one under test.
    const levels = { ...DEFAULT_POLICY.levels, [level]: { targetMs: maxMs, phoneSupport: false } };
    expect(messagesOf({ ...DEFAULT_POLICY, levels })).toEqual([]);
    const over = { ...DEFAULT_POLICY, levels: { ...levels, [level]: { targetMs: maxMs + 1, phoneSupport: false } } };
    expect(messagesOf(over)).toEqual([{ pointer: `/levels/${level}/targetMs`, message: expect.stringContaining(`level ${level}: must be at most ${maxMs} (${readable}), the maximum response time the rules publish`) }]);
  });

  it('faster terms on every level pass: an agreement may promise more than the rules', () => {
    const fast = { emergency: { targetMs: HOUR, phoneSupport: true }, standard: { targetMs: 2 * HOUR, phoneSupport: true }, consulting: { targetMs: 4 * HOUR, phoneSupport: true }, development: { targetMs: DAY, phoneSupport: false } };
    expect(messagesOf({ ...DEFAULT_POLICY, levels: fast })).toEqual([]);
    // Equal targets are in order too (an agreement answering every level in 2 h).
    const flat = Object.fromEntries(Object.keys(fast).map((level) => [level, { targetMs: 2 * HOUR, phoneSupport: false }])) as unknown as SlaPolicy['levels'];
    expect(messagesOf({ ...DEFAULT_POLICY, levels: flat })).toEqual([]);
  });

  it('a more urgent level slower than a less urgent one is refused at the more urgent level (the outside repro: emergency slower than standard)', () => {
    const inverted = { ...DEFAULT_POLICY.levels, emergency: { targetMs: 5 * HOUR, phoneSupport: true }, standard: { targetMs: 2 * HOUR, phoneSupport: false } };
    expect(messagesOf({ ...DEFAULT_POLICY, levels: inverted })).toEqual([
      { pointer: '/levels/emergency/targetMs', message: "level emergency: its target (5 h) must not be longer than level standard's (2 h): a more urgent level is never answered later" },
    ]);
    const consultingLate = { ...DEFAULT_POLICY.levels, development: { targetMs: 20 * HOUR, phoneSupport: false } };
    expect(messagesOf({ ...DEFAULT_POLICY, levels: consultingLate }).map((p) => p.pointer)).toEqual(['/levels/consulting/targetMs']);
  });

  it('the default policy is the rules’ maximums exactly, and passes', () => {
    expect(MAX_TARGET_MS).toEqual({ emergency: 6 * HOUR, standard: 12 * HOUR, consulting: 24 * HOUR, development: 7 * DAY });
    expect(Object.fromEntries(Object.entries(DEFAULT_POLICY.levels).map(([level, terms]) => [level, terms.targetMs]))).toEqual(MAX_TARGET_MS);
  });
});

describe('docs/adr/0031: a calendar that cannot count a level’s times within the calculator’s horizon is refused', () => {
  const HOUR = 3_600_000;
  const DAY = 86_400_000;
  const mondays = (from: string, to: string, holidays: string[] = []): BusinessCalendar => ({ timeZone: 'Europe/Berlin', week: { 1: [{ from, to }] }, holidays });
  const sparse = (calendar: BusinessCalendar, targetMs: number, overdueAt = DEFAULT_POLICY.overdueAt): SlaPolicy => ({
    ...DEFAULT_POLICY,
    levels: { ...DEFAULT_POLICY.levels, development: { targetMs, phoneSupport: false } },
    overdueAt,
    calendar,
  });

  it('the outside repro: Mondays 09:00–09:01 and a long development target name the level, and why, at its target', () => {
    // Reported with 90 days; targets now end at the published 7 d, which still do not fit.
    const result = validatePolicy(sparse(mondays('09:00', '09:01'), 7 * DAY));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // 6 h, 12 h and 24 h (× 1.5) still fit in 1 minute a week for a century (4,420 min); 7 days (15,120 min) do not.
    expect(result.error).toEqual([{ pointer: '/levels/development/targetMs', message: expect.stringContaining('level development: the calendar cannot count this target') }]);
    expect(result.error[0].message).toMatch(/open 1 min a week.*100 years/);
  });

  it('every level the calendar cannot count is named, and only those', () => {
    // 1 min a week surely opens 4,420 min; × 10, emergency needs 3,600, standard 7,200, consulting 14,400, development 100,800.
    const allLevels: SlaPolicy = { ...DEFAULT_POLICY, levels: { emergency: { targetMs: 6 * HOUR, phoneSupport: true }, standard: { targetMs: 12 * HOUR, phoneSupport: false }, consulting: { targetMs: DAY, phoneSupport: false }, development: { targetMs: 7 * DAY, phoneSupport: false } }, overdueAt: 10, calendar: mondays('09:00', '09:01') };
    expect(pointersOf(allLevels)).toEqual(['/levels/standard/targetMs', '/levels/consulting/targetMs', '/levels/development/targetMs']);
  });

  // 7 days × 10 is 100,800 min of business time: 23 min every Monday is the least that surely holds it.
  it('at the edge: the longest target and overdue need 23 open minutes a week; 22 are refused', () => {
    expect(pointersOf(sparse(mondays('09:00', '09:23'), 7 * DAY, 10))).toEqual([]);
    expect(pointersOf(sparse(mondays('09:00', '09:22'), 7 * DAY, 10))).toEqual(['/levels/development/targetMs']);
  });

  it('holidays count against the calendar: 37 Mondays off still fit the edge calendar, 38 do not; Sundays off take nothing', () => {
    // 4420 × 23 min surely open, 100,800 needed: a margin of 860 min, 37.4 Mondays.
    const mondaysOff = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2027, 0, 4 + 7 * i)).toISOString().slice(0, 10));
    const sundaysOff = Array.from({ length: 100 }, (_, i) => new Date(Date.UTC(2027, 0, 3 + 7 * i)).toISOString().slice(0, 10));
    expect(pointersOf(sparse(mondays('09:00', '09:23', mondaysOff(37)), 7 * DAY, 10))).toEqual([]);
    expect(pointersOf(sparse(mondays('09:00', '09:23', mondaysOff(38)), 7 * DAY, 10))).toEqual(['/levels/development/targetMs']);
    expect(pointersOf(sparse(mondays('09:00', '09:23', sundaysOff), 7 * DAY, 10))).toEqual([]);
  });

  it.each(['2026-03-29T00:30:00.000Z', '2026-10-25T23:59:00.000Z', '2099-12-31T12:00:00.000Z'])(
    'a policy that passes schedules every level on its calendar, from %s: nothing valid reaches the horizon',
    (startedAt) => {
      const policy = sparse(mondays('09:00', '09:23'), 7 * DAY, 10);
      expect(validatePolicy(policy).ok).toBe(true);
      for (const level of ['emergency', 'standard', 'consulting', 'development'] as const) {
        expect(exactScheduleFor(policy, level, new Date(startedAt)).ok).toBe(true);
      }
    },
  );

  it('without a calendar, counting is calendar time and any valid target fits', () => {
    expect(pointersOf({ ...DEFAULT_POLICY, levels: { ...DEFAULT_POLICY.levels, development: { targetMs: 7 * DAY, phoneSupport: false } }, overdueAt: 10 })).toEqual([]);
  });
});
