import { Value } from '@sinclair/typebox/value';
import { EscalationRaisedV1, EscalationResolvedV1, TicketStatusChangedV1 } from '@tss/contracts';
import { staffTextsWithoutAccessParticulars, staffTextValueWithoutAccessParticulars } from '../src/kept-events/kept-staff-texts';

const REMOVED = '[access particulars removed]';
const AT = '2026-12-05T09:00:00.000Z';
const partnerId = '0b7e3c1e-1d8f-4a36-8d0e-3c2b5a1f9e11';
const escalationId = '9d2f5b7c-3a4e-4f1b-8c6d-1e2f3a4b5c6d';

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): what the migrations do to each kept
// copy of an event that carries what staff wrote in escalation.
describe('staff texts of kept events, without access particulars', () => {
  it('P9: a referral request’s reason is masked; the other fields stay', () => {
    const data = { partnerId, referralId: escalationId, requestedBy: 'agent-1', reason: 'Needs a fix; admin password: Hunter2!x', requestedAt: AT, target: 'quality' };
    expect(staffTextsWithoutAccessParticulars('escalation.referral_requested', data)).toEqual({ ...data, reason: `Needs a fix; admin ${REMOVED}` });
  });

  it('P9: a status change’s reason (a referral’s, from releases before intake’s 1765603050000) is masked', () => {
    const data = { partnerId, sequence: 4, from: 'open', to: 'referred', reason: 'Crash; VPN password: Hunter2!x', changedAt: AT };
    const masked = staffTextsWithoutAccessParticulars('ticket.status_changed', data);
    expect(masked).toEqual({ ...data, reason: `Crash; VPN ${REMOVED}` });
    expect(Value.Check(TicketStatusChangedV1.schema, masked)).toBe(true);
  });

  it('P9: a summary or an outcome that masking lengthens past its contract’s length is cut to it, and stays valid', () => {
    const summary = `Referred to quality: ${'a'.repeat(440)} pwd: Ab1! and pwd: Cd2? then more words`.slice(0, 500);
    const raised = { partnerId, escalationId, kind: 'quality', targetRole: 'quality', raisedAt: AT, summary };
    expect(Value.Check(EscalationRaisedV1.schema, raised)).toBe(true);
    const masked = staffTextsWithoutAccessParticulars('escalation.raised', raised) as { summary: string };
    expect(masked.summary).toHaveLength(500);
    expect(masked.summary).toBe(`Referred to quality: ${'a'.repeat(440)} ${REMOVED} and ${REMOVED}`.slice(0, 500));
    expect(Value.Check(EscalationRaisedV1.schema, masked)).toBe(true);

    const outcome = `${'b'.repeat(3990)} pwd: E1!`;
    const resolved = { partnerId, escalationId, resolvedAt: AT, outcome };
    const maskedOutcome = staffTextsWithoutAccessParticulars('escalation.resolved', resolved) as { outcome: string };
    expect(maskedOutcome.outcome).toBe(`${'b'.repeat(3990)} ${REMOVED}`.slice(0, 4000));
    expect(Value.Check(EscalationResolvedV1.schema, maskedOutcome)).toBe(true);
  });

  it('the very same value when nothing is found, for another event type, or for data that is no object', () => {
    const plain = { partnerId, escalationId, resolvedAt: AT, outcome: 'The forgot password page works again.' };
    expect(staffTextsWithoutAccessParticulars('escalation.resolved', plain)).toBe(plain);
    const other = { partnerId, sequence: 1, subject: 'Reader, password: Hunter2!x' };
    expect(staffTextsWithoutAccessParticulars('ticket.created', other)).toBe(other);
    expect(staffTextsWithoutAccessParticulars('escalation.resolved', 'password: Hunter2!x')).toBe('password: Hunter2!x');
    expect(staffTextsWithoutAccessParticulars('escalation.resolved', null)).toBeNull();
  });

  it('data in transit is left as it is (the vault’s until every group has read it, docs/adr/0070)', () => {
    const data = { partnerId, escalationId, resolvedAt: AT, outcome: 'login: qa password: Hunter2!x', inTransit: { outcome: 'password: Hunter2!x' } };
    expect(staffTextsWithoutAccessParticulars('escalation.resolved', data)).toEqual({ ...data, outcome: REMOVED });
  });

  it('a kept value: UTF-8 JSON re-encoded masked; unchanged, not JSON or not UTF-8: undefined (left as it came)', () => {
    const data = { partnerId, escalationId, resolvedAt: AT, outcome: 'Done, password: Hunter2!x' };
    const masked = staffTextValueWithoutAccessParticulars('escalation.resolved', Buffer.from(JSON.stringify(data)));
    expect(JSON.parse(masked!.toString('utf8'))).toEqual({ ...data, outcome: `Done, ${REMOVED}` });
    expect(staffTextValueWithoutAccessParticulars('escalation.resolved', Buffer.from(JSON.stringify({ ...data, outcome: 'Done.' })))).toBeUndefined();
    expect(staffTextValueWithoutAccessParticulars('escalation.resolved', Buffer.from('password: Hunter2!x'))).toBeUndefined();
    expect(staffTextValueWithoutAccessParticulars('escalation.resolved', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toBeUndefined();
  });
});
