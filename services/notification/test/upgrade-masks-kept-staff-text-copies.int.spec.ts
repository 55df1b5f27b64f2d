import { randomUUID } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { cutText, dataSchemaUri, findContract } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { withoutAccessParticulars } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { escalationNoticeMail } from '../src/domain/escalation-notice';
import { notificationService } from '../src/index';
import { MaskKeptStaffTextCopies1765606130000 } from '../src/store/migrations/1765606130000-mask-kept-staff-text-copies';

const PASSWORD = 'SECRETMARK-75-Webhooks#';
const REMOVED = '[access particulars removed]';
const AT = '2026-12-05T09:00:00.000Z';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): escalation publishes what staff write
// without access particulars since the fourth session; notification kept the older events as they
// were published, for webhook replay and in each delivery's body, and mailed the department's
// notice quoting the referral's reason. After the upgrade none of them holds the password.
describe('upgrade: staff texts notification kept from older events (migration 1765606130000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ticketId = randomUUID();
  const referralId = randomUUID();
  const endpointId = randomUUID();
  const long = cutText(`Referred to quality: ${'Steps on the admin page. '.repeat(18)}pwd: Ab1! then pwd: Cd2? then the rest`, 500);
  const data = {
    requested: { partnerId, referralId, requestedBy: 'agent-1', reason: `Needs a fix; admin password: ${PASSWORD}`, requestedAt: AT, target: 'quality' },
    raised: { partnerId, escalationId: referralId, kind: 'quality', targetRole: 'quality', targetStaffIds: ['quality-1'], raisedAt: AT, summary: `Referred to quality: Needs a fix; admin password: ${PASSWORD}` },
    longRaised: { partnerId, escalationId: randomUUID(), kind: 'quality', targetRole: 'quality', raisedAt: AT, summary: long },
    resolved: { partnerId, escalationId: referralId, resolvedAt: AT, resolvedBy: 'quality-1', outcome: `Checked with login: qa password: ${PASSWORD}` },
    statusChanged: { partnerId, sequence: 4, from: 'open', to: 'referred', reason: `Crash needs a code fix; VPN password: ${PASSWORD}`, changedAt: AT },
    plain: { partnerId, escalationId: referralId, resolvedAt: AT, outcome: 'The forgot password page works again.' },
  };
  const typeOf: Record<keyof typeof data, string> = {
    requested: 'escalation.referral_requested',
    raised: 'escalation.raised',
    longRaised: 'escalation.raised',
    resolved: 'escalation.resolved',
    statusChanged: 'ticket.status_changed',
    plain: 'escalation.resolved',
  };
  const ids = {} as Record<keyof typeof data, string>;
  const notice = { id: randomUUID() };
  let sut: ServiceUnderTest;

  const bodyOf = (name: keyof typeof data, eventData: Record<string, unknown>) => {
    const type = typeOf[name];
    const sequence = typeof eventData.sequence === 'number' ? { sequence: eventData.sequence } : {};
    return JSON.stringify({ specversion: '1.0', id: ids[name], source: 'tss/escalation', type, time: AT, subject: ticketId, datacontenttype: 'application/json', dataschema: dataSchemaUri(type, 1), data: eventData, ...sequence });
  };
  const summaryNotice = (summary: string) =>
    escalationNoticeMail(
      { escalationId: referralId, kind: 'quality', attempt: 0, reference: 'TSS-OLD02-AAAAA', ticketId, targetRole: 'quality', summary, ticketUrl: 'https://tss.example/t', escalationUrl: 'https://tss.example/r' },
      'en',
    );

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationService, {
      clock,
      database: {
        before: 1765606130000,
        write: async (query: Query) => {
          await query(
            `INSERT INTO notification.webhook_endpoints (id, owner_kind, partner_id, created_by, url, description, event_types, secret, status, created_at, updated_at)
             VALUES ($1, 'staff', NULL, 'admin-1', 'https://hooks.example/tss', '', '{*}', 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', 'enabled', $2, $2)`,
            [endpointId, AT],
          );
          for (const name of Object.keys(data) as (keyof typeof data)[]) {
            ids[name] = randomUUID();
            const body = bodyOf(name, data[name]);
            await query(`INSERT INTO notification.webhook_events (id, type, partner_id, subject, occurred_at, body, received_at) VALUES ($1, $2, $3, $4, $5, $6, $5)`, [
              ids[name],
              typeOf[name],
              partnerId,
              ticketId,
              AT,
              body,
            ]);
            await query(
              `INSERT INTO notification.webhook_deliveries (id, endpoint_id, message_id, event_type, body, reason, status, attempts, created_at, completed_at) VALUES ($1, $2, $3, $4, $5, 'event', 'failed', 8, $6, $6)`,
              [randomUUID(), endpointId, ids[name], typeOf[name], body, AT],
            );
          }
          const mail = summaryNotice(data.raised.summary);
          await query(
            `INSERT INTO notification.mail_messages (id, ticket_id, partner_id, kind, recipient, language, message_id, subject, text_body, html_body, status, attempts, created_at, sent_at)
             VALUES ($1, $2, $3, 'escalation_notice', 'quality-1@tss.example', 'en', $4, $5, $6, $7, 'sent', 1, $8, $8)`,
            [notice.id, ticketId, partnerId, `<${notice.id}@tss.test>`, mail.subject, mail.text, mail.html, AT],
          );
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const kept = async () => ({
    events: Object.fromEntries((await sut.query<{ id: string; body: string }>(`SELECT id, body FROM notification.webhook_events`)).map((e) => [e.id, e.body])),
    deliveries: Object.fromEntries((await sut.query<{ id: string; body: string }>(`SELECT message_id AS id, body FROM notification.webhook_deliveries`)).map((d) => [d.id, d.body])),
    mail: await sut.query<{ subject: string; text_body: string; html_body: string }>(`SELECT subject, text_body, html_body FROM notification.mail_messages ORDER BY id`),
  });

  it('P9: no kept event, delivery or notice holds the password', async () => {
    expect(JSON.stringify(await kept())).not.toContain(PASSWORD);
    expect(JSON.stringify(await kept())).not.toContain('pwd: Ab1!');
  });

  it('P9: each event is kept as published but for its staff texts, masked; its deliveries carry the very same body', async () => {
    const { events, deliveries } = await kept();
    expect(events[ids.requested]).toBe(bodyOf('requested', { ...data.requested, reason: `Needs a fix; admin ${REMOVED}` }));
    expect(events[ids.raised]).toBe(bodyOf('raised', { ...data.raised, summary: `Referred to quality: Needs a fix; admin ${REMOVED}` }));
    expect(events[ids.resolved]).toBe(bodyOf('resolved', { ...data.resolved, outcome: `Checked with ${REMOVED}` }));
    expect(events[ids.statusChanged]).toBe(bodyOf('statusChanged', { ...data.statusChanged, reason: `Crash needs a code fix; VPN ${REMOVED}` }));
    expect(events[ids.plain]).toBe(bodyOf('plain', data.plain));
    for (const id of Object.values(ids)) expect(deliveries[id]).toBe(events[id]);
  });

  it('P9: a summary that masking lengthens is cut to its contract’s 500 units, and every kept event stays valid against its contract', async () => {
    const { events } = await kept();
    const longRaised = JSON.parse(events[ids.longRaised]) as { data: { summary: string } };
    expect(longRaised.data.summary).toBe(cutText(withoutAccessParticulars(long), 500));
    const invalid = Object.values(events)
      .map((body) => JSON.parse(body) as { type: string; data: unknown })
      .filter((e) => !Value.Check(findContract(e.type, 1)!.schema, e.data));
    expect(invalid).toEqual([]);
  });

  it('P9: the department’s notice quotes the reason masked, in its text and HTML, as it would be mailed now', async () => {
    const masked = summaryNotice(`Referred to quality: Needs a fix; admin ${REMOVED}`);
    expect((await kept()).mail).toEqual([{ subject: masked.subject, text_body: masked.text, html_body: masked.html }]);
  });

  it('running the migration again changes nothing', async () => {
    const before = await kept();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptStaffTextCopies1765606130000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await kept()).toEqual(before);
  });
});
