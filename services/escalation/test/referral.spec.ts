import { answerReferral, departmentCalledIn, recordOutcome, requestReferral, type Referral } from '../src/domain/referral';

const at = new Date('2026-05-04T08:00:00.000Z');
const later = new Date('2026-05-04T09:00:00.000Z');
const ticket = { ticketId: '3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6f', partnerId: '7d9e2f4a-1b3c-4d5e-8f60-718293a4b5c6', reference: 'TSS-K7QM2-ZC4XD' };
const referral = (over: Partial<Referral> = {}): Referral => ({
  ...requestReferral({ id: 'r1', ticket, target: 'quality', reason: 'Check the first answer.', requestedBy: 'agent-1' }, at),
  ...over,
});

describe('referrals (issue #12, P5, P6, P7)', () => {
  it('a new referral is requested, for the ticket’s partner', () => {
    expect(referral()).toEqual({
      id: 'r1',
      ticketId: ticket.ticketId,
      partnerId: ticket.partnerId,
      target: 'quality',
      reason: 'Check the first answer.',
      status: 'requested',
      requestedBy: 'agent-1',
      requestedAt: at,
    });
  });

  it('intake’s answer applies or rejects a requested referral once; a second answer (a replay) changes nothing', () => {
    expect(answerReferral(referral(), { kind: 'applied' }, later)).toMatchObject({ status: 'applied', answeredAt: later });
    const rejected = answerReferral(referral(), { kind: 'rejected', reason: 'The ticket is closed.' }, later);
    expect(rejected).toMatchObject({ status: 'rejected', answeredAt: later, rejectionReason: 'The ticket is closed.' });
    expect(answerReferral(rejected!, { kind: 'applied' }, later)).toBeUndefined();
    expect(answerReferral(referral({ status: 'applied' }), { kind: 'rejected', reason: 'late' }, later)).toBeUndefined();
  });

  it('P7: an outcome is recorded once, on an applied quality referral only', () => {
    const outcome = { text: 'Saved reply corrected.', recordedBy: 'quality-1', recordedAt: later };
    const applied = referral({ status: 'applied', answeredAt: later });
    const recorded = recordOutcome(applied, outcome);
    expect(recorded).toMatchObject({ outcome });
    expect(recordOutcome(recorded as Referral, { ...outcome, text: 'again' })).toEqual({ kind: 'conflict', detail: 'The referral already has its outcome.' });
    expect(recordOutcome(referral(), outcome)).toMatchObject({ kind: 'conflict', detail: expect.stringContaining('requested') });
    expect(recordOutcome(referral({ status: 'rejected' }), outcome)).toMatchObject({ kind: 'conflict' });
    expect(recordOutcome(referral({ status: 'applied', target: 'development' }), outcome)).toMatchObject({ kind: 'conflict', detail: expect.stringContaining('development') });
  });

  it('P7/P5/P6: quality calls in the quality role, development the developers, design nobody (no deadline)', () => {
    expect([departmentCalledIn('quality'), departmentCalledIn('development'), departmentCalledIn('design')]).toEqual(['quality', 'developer', undefined]);
  });
});
