import { acknowledge, clockStopped, lastNotifiedAfter, OUTCOME_ANSWERED_IN_TIME, OUTCOME_SUPERSEDED_BY_BREACH, resolve, shouldRenotify, supersededByBreach, type Escalation } from '../src/domain/escalation';
import { etagOfVersion, ifMatchAdmitsVersion } from '../src/domain/document-version';
import { decodeEscalationCursor, encodeEscalationCursor } from '../src/domain/escalation-cursor';

const at = new Date('2026-03-02T09:00:00Z');
const escalation = (over: Partial<Escalation> = {}): Escalation => ({
  id: '6f1c1d8e-8a57-4c39-9d43-1b1f3c0d9a01',
  ticketId: 't',
  partnerId: 'p',
  kind: 'sla_breach',
  level: 1,
  rule: 'sla-breach',
  causeKey: 'clock:c',
  causeEventId: 'e',
  causeType: 'sla.breached',
  targetRole: 'team_leader',
  targetStaffIds: ['lead'],
  surveyId: null,
  quote: null,
  summary: 's',
  status: 'open',
  raisedAt: at,
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
  outcome: null,
  renotices: 0,
  lastNotifiedAt: at,
  clockStoppedAt: null,
  ticketSequence: null,
  ...over,
});

describe('escalation records (issue #12)', () => {
  it('a target or a manager acknowledges, once; anyone else is refused', () => {
    expect(acknowledge(escalation(), { staffId: 'lead', manages: false }, at)).toMatchObject({ ok: true, escalation: { status: 'acknowledged', acknowledgedBy: 'lead' } });
    expect(acknowledge(escalation(), { staffId: 'boss', manages: true }, at)).toMatchObject({ ok: true });
    expect(acknowledge(escalation(), { staffId: 'agent', manages: false }, at)).toMatchObject({ ok: false, refusal: { kind: 'forbidden' } });
    expect(acknowledge(escalation({ status: 'acknowledged' }), { staffId: 'lead', manages: false }, at)).toMatchObject({ ok: false, refusal: { kind: 'conflict' } });
  });

  it('resolving records the outcome; twice is a conflict', () => {
    expect(resolve(escalation(), { staffId: 'lead', manages: false }, at, 'done')).toMatchObject({ ok: true, escalation: { status: 'resolved', outcome: 'done', resolvedBy: 'lead' } });
    expect(resolve(escalation({ status: 'resolved' }), { staffId: 'boss', manages: true }, at, undefined)).toMatchObject({ ok: false, refusal: { kind: 'conflict' } });
    expect(resolve(escalation({ targetStaffIds: [], acknowledgedBy: 'stand-in', status: 'acknowledged' }), { staffId: 'stand-in', manages: false }, at, undefined)).toMatchObject({ ok: true });
  });

  it('re-notices: only while open; response kinds stop with a resolved or closed ticket, complaints do not', () => {
    expect(shouldRenotify(escalation(), 'open')).toBe(true);
    expect(shouldRenotify(escalation({ status: 'acknowledged' }), 'open')).toBe(false);
    expect(shouldRenotify(escalation(), 'resolved')).toBe(false);
    expect(shouldRenotify(escalation({ kind: 'emergency' }), 'closed')).toBe(false);
    expect(shouldRenotify(escalation({ kind: 'low_rating' }), 'resolved')).toBe(true);
    expect(shouldRenotify(escalation({ kind: 'team_leader' }), 'closed')).toBe(true);
  });

  it('re-notices stop once the response clock stopped, whatever the ticket', () => {
    expect(shouldRenotify(escalation({ clockStoppedAt: at }), 'open')).toBe(false);
    expect(shouldRenotify(escalation({ kind: 'sla_warning', causeType: 'sla.warning', clockStoppedAt: at }), 'in_progress')).toBe(false);
  });

  it('the clock stopped: an about-to-breach warning met in time is resolved saying so; breach, overdue and cancelled clocks stay for someone to take up', () => {
    const later = new Date('2026-03-02T10:00:00Z');
    const warning = escalation({ kind: 'sla_warning', causeType: 'sla.warning', rule: 'sla-about-to-breach' });
    expect(clockStopped(warning, { kind: 'met', at: later })).toEqual({
      escalation: { ...warning, status: 'resolved', resolvedAt: later, resolvedBy: null, outcome: OUTCOME_ANSWERED_IN_TIME, clockStoppedAt: later },
      resolvedAutomatically: true,
    });
    expect(clockStopped(warning, { kind: 'cancelled', reason: 'responded_after_breach', at: later })).toEqual({ escalation: { ...warning, clockStoppedAt: later }, resolvedAutomatically: false });
    expect(clockStopped(warning, { kind: 'cancelled', reason: 'awaiting_customer', at: later })).toEqual({ escalation: { ...warning, clockStoppedAt: later }, resolvedAutomatically: false });
    for (const causeType of ['sla.breached', 'sla.overdue']) {
      const e = escalation({ causeType });
      expect(clockStopped(e, { kind: 'met', at: later })).toEqual({ escalation: { ...e, clockStoppedAt: later }, resolvedAutomatically: false });
    }
    // Acknowledged already: it stays with whoever took it up; resolved already: nothing to resolve.
    const taken = { ...warning, status: 'acknowledged' as const, acknowledgedBy: 'lead', acknowledgedAt: at };
    expect(clockStopped(taken, { kind: 'met', at: later }).escalation).toMatchObject({ status: 'resolved', acknowledgedBy: 'lead' });
    const done = { ...warning, status: 'resolved' as const, resolvedBy: 'lead', resolvedAt: at, outcome: 'handled' };
    expect(clockStopped(done, { kind: 'met', at: later })).toEqual({ escalation: { ...done, clockStoppedAt: later }, resolvedAutomatically: false });
  });

  it('a breach supersedes an about-to-breach warning, open or acknowledged, resolving it with no one as resolver; nothing else', () => {
    const later = new Date('2026-03-02T10:00:00Z');
    const warning = escalation({ kind: 'sla_warning', rule: 'sla-about-to-breach', causeType: 'sla.warning' });
    for (const status of ['open', 'acknowledged'] as const) {
      expect(supersededByBreach({ ...warning, status }, later)).toMatchObject({ status: 'resolved', resolvedAt: later, resolvedBy: null, outcome: OUTCOME_SUPERSEDED_BY_BREACH });
    }
    expect(supersededByBreach({ ...warning, status: 'resolved', outcome: 'done' }, later)).toBeUndefined();
    expect(supersededByBreach(escalation(), later)).toBeUndefined();
  });

  it('lastNotifiedAt moves only with a notice that reached someone', () => {
    const later = new Date('2026-03-02T10:00:00Z');
    expect(lastNotifiedAfter(null, [], at)).toBeNull();
    expect(lastNotifiedAfter(null, ['lead'], at)).toEqual(at);
    expect(lastNotifiedAfter(at, [], later)).toEqual(at);
    expect(lastNotifiedAfter(at, ['lead'], later)).toEqual(later);
  });

  it('ETags and If-Match of the versioned documents: strong comparison, so a weak tag admits nothing (RFC 9110 §13.1.1)', () => {
    expect(etagOfVersion(3)).toBe('"3"');
    expect(ifMatchAdmitsVersion('"3"', 3)).toBe(true);
    expect(ifMatchAdmitsVersion('W/"3"', 3)).toBe(false);
    expect(ifMatchAdmitsVersion('"2", "3"', 3)).toBe(true);
    expect(ifMatchAdmitsVersion('*', 3)).toBe(true);
    expect(ifMatchAdmitsVersion('"2"', 3)).toBe(false);
  });

  it('list cursors round-trip for the caller and filters they were issued with; anything else is refused', () => {
    const position = { raisedAt: at, id: escalation().id };
    const filters = { open: true, targetRole: 'team_leader' };
    const lead = { kind: 'staff' as const, staffId: 'lead-1' };
    expect(decodeEscalationCursor(encodeEscalationCursor(position, lead, filters), lead, filters)).toEqual({ ok: true, value: position });
    expect(decodeEscalationCursor(encodeEscalationCursor(position, lead, filters), lead, { open: false })).toMatchObject({ ok: false, error: { kind: 'bad_request', detail: expect.stringContaining('other filters') } });
    expect(decodeEscalationCursor(encodeEscalationCursor(position, lead, filters), { kind: 'staff', staffId: 'lead-2' }, filters)).toMatchObject({
      ok: false,
      error: { kind: 'bad_request', detail: expect.stringContaining('another caller') },
    });
    expect(decodeEscalationCursor('bm9wZQ', lead, filters)).toMatchObject({ ok: false, error: { kind: 'bad_request' } });
    expect(decodeEscalationCursor(Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url'), lead, filters)).toMatchObject({ ok: false });
  });
});
