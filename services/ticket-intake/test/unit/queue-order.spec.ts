import { MAX_RESPONSE_MS } from '@tss/contracts';
import { compareQueuePositions, levelTargetDueAt, queueDueAt, queuePositionOf } from '../../src/domain/queue-order';

const at = (iso: string) => new Date(iso);

describe('queue order (P4)', () => {
  it('P5: until a clock is known, a response is due at the time received plus the level’s maximum', () => {
    const receivedAt = at('2026-03-01T09:00:00.000Z');
    expect(levelTargetDueAt('emergency', receivedAt).toISOString()).toBe('2026-03-01T15:00:00.000Z');
    expect(levelTargetDueAt('development', receivedAt).getTime() - receivedAt.getTime()).toBe(MAX_RESPONSE_MS.development);
    expect(queueDueAt({ level: 'standard', receivedAt, responseDueAt: null })).toEqual({ dueAt: at('2026-03-01T21:00:00.000Z'), source: 'level_target' });
  });

  it('a known clock’s due time wins over the level’s target', () => {
    const due = queueDueAt({ level: 'standard', receivedAt: at('2026-03-01T09:00:00.000Z'), responseDueAt: at('2026-03-01T10:00:00.000Z') });
    expect(due).toEqual({ dueAt: at('2026-03-01T10:00:00.000Z'), source: 'sla_clock' });
  });

  it('P4: emergencies first, then by due time, then in the order received, then by id', () => {
    const ticket = (id: string, level: 'emergency' | 'standard' | 'consulting', receivedAt: string, responseDueAt?: string) =>
      queuePositionOf({ id, level, receivedAt: at(receivedAt), responseDueAt: responseDueAt ? at(responseDueAt) : null });
    const lateEmergency = ticket('00000000-0000-4000-8000-000000000005', 'emergency', '2026-03-01T12:00:00.000Z');
    const earlyEmergency = ticket('00000000-0000-4000-8000-000000000004', 'emergency', '2026-03-01T08:00:00.000Z');
    // A standard ticket due sooner than an emergency still comes after every emergency.
    const standardDueFirst = ticket('00000000-0000-4000-8000-000000000003', 'standard', '2026-03-01T07:00:00.000Z', '2026-03-01T07:30:00.000Z');
    // Consulting received first but due later (24 h) than a standard one received after it (12 h).
    const consulting = ticket('00000000-0000-4000-8000-000000000001', 'consulting', '2026-03-01T06:00:00.000Z');
    const standard = ticket('00000000-0000-4000-8000-000000000002', 'standard', '2026-03-01T09:00:00.000Z');
    const sameDueOtherId = ticket('00000000-0000-4000-8000-000000000006', 'standard', '2026-03-01T09:00:00.000Z');
    const sorted = [consulting, sameDueOtherId, standard, lateEmergency, standardDueFirst, earlyEmergency].sort(compareQueuePositions);
    expect(sorted).toEqual([earlyEmergency, lateEmergency, standardDueFirst, standard, sameDueOtherId, consulting]);
  });

  it('view open: a ticket owing nothing comes after every ticket that owes, emergencies included', () => {
    const receivedAt = at('2026-03-01T09:00:00.000Z');
    const owing = queuePositionOf({ id: '00000000-0000-4000-8000-000000000001', level: 'consulting', receivedAt, responseDueAt: null });
    const idleEmergency = queuePositionOf({ id: '00000000-0000-4000-8000-000000000002', level: 'emergency', receivedAt, responseDueAt: null, responseOwed: false });
    expect(idleEmergency.owesNothing).toBe(true);
    expect([idleEmergency, owing].sort(compareQueuePositions)).toEqual([owing, idleEmergency]);
  });
});
