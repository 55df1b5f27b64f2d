import { acknowledge, resolve, shouldRenotify, type Escalation } from '../src/domain/escalation';
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

  it('ETags and If-Match of the versioned documents: strong comparison, so a weak tag admits nothing (RFC 9110 §13.1.1)', () => {
    expect(etagOfVersion(3)).toBe('"3"');
    expect(ifMatchAdmitsVersion('"3"', 3)).toBe(true);
    expect(ifMatchAdmitsVersion('W/"3"', 3)).toBe(false);
    expect(ifMatchAdmitsVersion('"2", "3"', 3)).toBe(true);
    expect(ifMatchAdmitsVersion('*', 3)).toBe(true);
    expect(ifMatchAdmitsVersion('"2"', 3)).toBe(false);
  });

  it('list cursors round-trip; anything else is refused', () => {
    const position = { raisedAt: at, id: escalation().id };
    expect(decodeEscalationCursor(encodeEscalationCursor(position))).toEqual(position);
    expect(decodeEscalationCursor('bm9wZQ')).toBeUndefined();
    expect(decodeEscalationCursor(Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url'))).toBeUndefined();
  });
});
