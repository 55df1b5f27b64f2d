import { DEFAULT_POLICY, type BusinessCalendar, type SlaPolicy } from '../../src/domain/sla-policy';
import { validatePolicy } from '../../src/domain/policy-validation';

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
    ['an absurd target (over 90 days)', withLevel('development', 91 * 86_400_000), ['/levels/development/targetMs']],
    ['an unknown level', withLevel('urgent', 3_600_000), ['/levels/urgent']],
    ['a missing level', { ...DEFAULT_POLICY, levels: { emergency: DEFAULT_POLICY.levels.emergency } } as unknown as SlaPolicy, ['/levels/standard', '/levels/consulting', '/levels/development']],
    ['warnings out of order', { ...DEFAULT_POLICY, warningAt: [0.5, 0.9, 0.75] }, ['/warningAt/2']],
    ['a repeated warning', { ...DEFAULT_POLICY, warningAt: [0.5, 0.5] }, ['/warningAt/1']],
    ['a warning at 0', { ...DEFAULT_POLICY, warningAt: [0, 0.5] }, ['/warningAt/0']],
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
