import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { MaskKeptLogStaffTexts1765606100000 } from '../src/in-process/mask-kept-log-staff-texts.migration';
import { UpgradedEventLog } from '../src/testing/older-event-log';

const PASSWORD = 'SECRETMARK-73-LogReason#';
const REMOVED = '[access particulars removed]';
const AT = '2026-12-05T09:00:00.000Z';
const partnerId = '0b7e3c1e-1d8f-4a36-8d0e-3c2b5a1f9e11';
const referralId = '9d2f5b7c-3a4e-4f1b-8c6d-1e2f3a4b5c6d';

const requested = (reason: string) => ({ partnerId, referralId, requestedBy: 'agent-1', reason, requestedAt: AT, target: 'development' });
const raised = (summary: string) => ({ partnerId, escalationId: referralId, kind: 'development', targetRole: 'developer', raisedAt: AT, summary });
const resolved = (outcome: string) => ({ partnerId, escalationId: referralId, resolvedAt: AT, resolvedBy: 'quality-1', outcome });
const statusChanged = (reason: string) => ({ partnerId, sequence: 4, from: 'open', to: 'referred', reason, changedAt: AT });
const headersOf = (type: string, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ce_specversion: '1.0', ce_id: randomUUID(), ce_type: type, ...extra });

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): escalation's 1765604950000 masked its
// outbox's copies of the events carrying what staff wrote, not the in-process log's. Entries an
// older release appended after the log's own masking (1765501360000) carry them as written.
describe('upgrade: staff texts the in-process log kept in clear (migration 1765606100000)', () => {
  let db: TestDatabase;
  let log: UpgradedEventLog;

  beforeAll(async () => {
    db = await createTestDatabase('event_log_staff_texts', { from: 'empty' });
    const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
    const resolvedEntry = (value: Buffer | null) => ({ topic: 'tss.escalation', headers: headersOf('escalation.resolved'), value });
    log = await UpgradedEventLog.create(db.url, 1765606100000, {
      requested: { topic: 'tss.escalation', headers: headersOf('escalation.referral_requested'), value: json(requested(`Needs a fix; admin password: ${PASSWORD}`)), as: 'copied' },
      raised: { topic: 'tss.escalation', headers: headersOf('escalation.raised'), value: json(raised(`Referred to development: Needs a fix; admin password: ${PASSWORD}`)) },
      resolved: resolvedEntry(json(resolved(`Checked with login: qa password: ${PASSWORD}`))),
      statusChanged: { topic: 'tss.ticket', headers: headersOf('ticket.status_changed'), value: json(statusChanged(`Crash needs a code fix; VPN password: ${PASSWORD}`)), as: 'copied' },
      deadLettered: {
        topic: 'tss.dead-letter',
        headers: headersOf('escalation.referral_requested', { 'dlq-reason': 'boom', 'dlq-group': 'ticket-intake', 'dlq-topic': 'tss.escalation' }),
        value: json(requested(`Needs a fix; admin password: ${PASSWORD}`)),
      },
      plain: resolvedEntry(json(resolved('The forgot password page works again.'))),
      otherType: { topic: 'tss.ticket', headers: headersOf('ticket.reopened'), value: json({ partnerId, sequence: 5, reopenedAt: AT, reason: 'Rated not solved: the password reset page fails' }) },
      notJson: resolvedEntry(Buffer.from('password: x')),
      notUtf8: resolvedEntry(Buffer.from([0x7b, 0xff, 0x7d])),
      empty: resolvedEntry(null),
    });
  });

  afterAll(async () => {
    await log?.close();
    await db?.drop();
  });

  const values = () => log.values();
  const data = (name: string) => log.data(name);

  it('P9: no entry of the log holds the password any more', async () => {
    const holding = Object.entries(await values()).filter(([, value]) => value?.includes(PASSWORD));
    expect(holding.map(([name]) => name)).toEqual([]);
  });

  it('P9: each kept reason, summary, outcome and status reason is masked, published or copied, dead letters included; the rest of the data stays', async () => {
    expect(await data('requested')).toEqual(requested(`Needs a fix; admin ${REMOVED}`));
    expect(await data('raised')).toEqual(raised(`Referred to development: Needs a fix; admin ${REMOVED}`));
    expect(await data('resolved')).toEqual(resolved(`Checked with ${REMOVED}`));
    expect(await data('statusChanged')).toEqual(statusChanged(`Crash needs a code fix; VPN ${REMOVED}`));
    expect(await data('deadLettered')).toEqual(requested(`Needs a fix; admin ${REMOVED}`));
  });

  it('entries without particulars, of other types, or that are no UTF-8 JSON stay byte for byte', async () => {
    const kept = await values();
    expect(kept.plain!.toString('utf8')).toBe(JSON.stringify(resolved('The forgot password page works again.')));
    expect(kept.otherType!.toString('utf8')).toBe(JSON.stringify({ partnerId, sequence: 5, reopenedAt: AT, reason: 'Rated not solved: the password reset page fails' }));
    expect(kept.notJson).toEqual(Buffer.from('password: x'));
    expect(kept.notUtf8).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
    expect(kept.empty).toBeNull();
  });

  it('running the migration again changes nothing', async () => {
    const before = await values();
    await log.runAgain(new MaskKeptLogStaffTexts1765606100000());
    expect(await values()).toEqual(before);
  });
});
