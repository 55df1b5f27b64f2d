import { reclassify, startClock } from '../../src/domain/response-clock';

const startedAt = new Date('2026-01-10T23:30:00.000Z');

describe('P5 response clocks', () => {
  it.each([
    ['emergency', '2026-01-11T05:30:00.000Z'],
    ['standard', '2026-01-11T11:30:00.000Z'],
    ['consulting', '2026-01-11T23:30:00.000Z'],
    ['development', '2026-01-17T23:30:00.000Z'],
  ] as const)('P5: %s is due in calendar time, across midnight and weekends', (level, dueAt) => {
    expect(startClock(level, startedAt).dueAt.toISOString()).toBe(dueAt);
  });

  it('P5: reclassifying keeps the original start', () => {
    const clock = startClock('consulting', startedAt);
    const emergency = reclassify(clock, 'emergency');
    expect(emergency.startedAt).toEqual(startedAt);
    expect(emergency.dueAt.toISOString()).toBe('2026-01-11T05:30:00.000Z');
  });
});
