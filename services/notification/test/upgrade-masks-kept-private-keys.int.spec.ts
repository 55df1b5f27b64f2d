import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import type { TicketMailContext } from '../src/domain/mail-template';
import { agentReplyMail } from '../src/domain/mail-templates';
import { notificationService } from '../src/index';
import { MaskKeptPrivateKeys1765606310000 } from '../src/store/migrations/1765606310000-mask-kept-private-keys';

const MARK = 'PRIVKEYMARK43N';
const REMOVED = '[access particulars removed]';
const KEY = ['-----BEGIN OPENSSH PRIVATE KEY-----', `b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ${MARK}`, '-----END OPENSSH PRIVATE KEY-----'].join('\n');
/** Pasted into one line, and cut before its END line. */
const CUT_KEY = `-----BEGIN RSA PRIVATE KEY----- MIIEowIBAAKCAQEAtRT5${MARK}9x8y7z6`;
const CERTIFICATE = ['-----BEGIN CERTIFICATE-----', 'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa', '-----END CERTIFICATE-----'].join('\n');

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): releases before it kept a pasted
// private key as written in every copy notification keeps of a text: the mail it received and
// forwarded, the mail it sent, and the events kept for webhook replay with their deliveries.
describe('upgrade: private keys notification kept in clear (migration 1765606310000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ticketId = randomUUID();
  const endpointId = randomUUID();
  const inbound = { reply: randomUUID(), certificate: randomUUID() };
  const events = { published: randomUUID(), unpublished: randomUUID() };
  const mail = randomUUID();
  const webhook = { responded: randomUUID(), escalation: randomUUID(), delivery: randomUUID(), escalationDelivery: randomUUID() };
  const ctx: TicketMailContext = { reference: 'TSS-OLD01-AAAAA', subject: 'Key rejected', language: 'en', siteUrl: 'https://support.example/t/abc' };
  let sut: ServiceUnderTest;

  const keptInbound = (query: Query, id: string, text: string) =>
    query(
      `INSERT INTO notification.inbound_messages (id, message_id, outcome, reason, ticket_id, partner_id, sender, subject, text_body, attachments, received_at)
       VALUES ($1, $2, 'threaded', 'in_reply_to', $3, $4, 'ann@client.example', 'My key', $5, '[]'::jsonb, '2026-12-04T09:00:00Z')`,
      [id, `<${id}@client.example>`, ticketId, partnerId, text],
    );
  const mailData = (inboundId: string, text: string) => ({
    partnerId,
    ticketId,
    inboundId,
    messageId: `<${inboundId}@client.example>`,
    from: 'ann@client.example',
    subject: 'My key',
    text,
    attachmentPointers: [],
    receivedAt: '2026-12-04T09:00:00.000Z',
  });
  const keptEvent = (query: Query, eventId: string, data: Record<string, unknown>, published: boolean) =>
    query(
      `INSERT INTO notification.outbox (event_id, event_type, topic, message_key, event, created_at, published_at)
       VALUES ($1, 'notification.email_received', 'tss.notification', $2, $3, '2026-12-04T09:00:00Z', $4)`,
      [
        eventId,
        ticketId,
        { specversion: '1.0', id: eventId, source: 'tss/notification', type: 'notification.email_received', time: '2026-12-04T09:00:00.000Z', subject: ticketId, datacontenttype: 'application/json', data },
        published ? '2026-12-04T09:00:01Z' : null,
      ],
    );
  const webhookBody = (id: string, type: string, data: Record<string, unknown>) =>
    JSON.stringify({ specversion: '1.0', id, source: 'tss/ticket-intake', type, time: '2026-12-04T09:00:02.000Z', subject: ticketId, datacontenttype: 'application/json', data, sequence: 3 });
  const respondedData = { partnerId, sequence: 3, messageId: randomUUID(), authorId: 'agent-1', body: `Use this key:\n${KEY}\nthen retry.` };
  const escalationData = { partnerId, sequence: 4, summary: `Referred: ${KEY}` };

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationService, {
      clock,
      database: {
        before: 1765606310000,
        write: async (query) => {
          await keptInbound(query, inbound.reply, `Here is my key:\n${KEY}\nThanks, Ann`);
          await keptInbound(query, inbound.certificate, `Our certificate:\n${CERTIFICATE}`);
          await keptEvent(query, events.published, mailData(inbound.reply, `Here is my key:\n${KEY}\nThanks, Ann`), true);
          await keptEvent(query, events.unpublished, mailData(inbound.reply, `Cut: ${CUT_KEY}`), false);
          const rendered = agentReplyMail(ctx, `Use this key:\n${KEY}\nthen retry.`);
          await query(
            `INSERT INTO notification.mail_messages (id, ticket_id, partner_id, kind, recipient, language, message_id, subject, text_body, html_body, status, attempts, created_at, sent_at)
             VALUES ($1, $2, $3, 'agent_reply', 'ann@client.example', 'en', $4, $5, $6, $7, 'sent', 1, '2026-12-04T09:00:00Z', '2026-12-04T09:00:01Z')`,
            [mail, ticketId, partnerId, `<${mail}@tss.test>`, rendered.subject, rendered.text, rendered.html],
          );
          await query(
            `INSERT INTO notification.webhook_endpoints (id, owner_kind, partner_id, created_by, url, description, event_types, secret, status, created_at, updated_at)
             VALUES ($1, 'partner', $2, 'partner-admin', 'https://hooks.example/tss', '', '{*}', 'sealed', 'disabled', '2026-12-01T09:00:00Z', '2026-12-01T09:00:00Z')`,
            [endpointId, partnerId],
          );
          const kept = async (id: string, type: string, body: string, deliveryId: string) => {
            await query(
              `INSERT INTO notification.webhook_events (id, type, partner_id, subject, sequence, occurred_at, body, received_at) VALUES ($1, $2, $3, $4, 3, '2026-12-04T09:00:02Z', $5, '2026-12-04T09:00:02Z')`,
              [id, type, partnerId, ticketId, body],
            );
            await query(
              `INSERT INTO notification.webhook_deliveries (id, endpoint_id, message_id, event_type, body, reason, status, attempts, created_at, completed_at)
               VALUES ($1, $2, $3, $4, $5, 'event', 'failed', 8, '2026-12-04T09:00:02Z', '2026-12-04T10:00:00Z')`,
              [deliveryId, endpointId, id, type, body],
            );
          };
          await kept(webhook.responded, 'ticket.responded', webhookBody(webhook.responded, 'ticket.responded', respondedData), webhook.delivery);
          await kept(webhook.escalation, 'escalation.raised', webhookBody(webhook.escalation, 'escalation.raised', escalationData), webhook.escalationDelivery);
        },
      },
    });
    // The relay publishes the event the older release left unpublished.
    await waitFor('the kept event published', async () => (await sut.query(`SELECT 1 FROM notification.outbox WHERE published_at IS NULL`)).length === 0);
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const eventData = async (eventId: string) => (await sut.query<{ data: Record<string, unknown> }>(`SELECT event->'data' AS data FROM notification.outbox WHERE event_id = $1`, [eventId]))[0].data;
  const loggedData = async (eventId: string) =>
    (await sut.query<{ data: Record<string, unknown> }>(`SELECT convert_from(value, 'UTF8')::jsonb AS data FROM tss_event_log.messages WHERE headers->>'ce_id' = $1`, [eventId]))[0].data;

  it('P9: no table of notification holds a key but escalation’s kept events, which another change masks', async () => {
    const tables = await sut.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'notification' AND table_type = 'BASE TABLE'`);
    const holding: string[] = [];
    for (const { table_name: table } of tables) {
      const found = await sut.query<{ t: string }>(`SELECT t::text AS t FROM notification."${table}" t WHERE t::text LIKE $1`, [`%${MARK}%`]);
      for (const row of found) if (!row.t.includes('escalation.raised')) holding.push(table);
    }
    expect(holding).toEqual([]);
  });

  it('P9: the mail received keeps its text with the key removed, the rest as written; a certificate stays', async () => {
    const kept = Object.fromEntries((await sut.query<{ id: string; text_body: string }>(`SELECT id::text AS id, text_body FROM notification.inbound_messages`)).map((m) => [m.id, m.text_body]));
    expect(kept).toEqual({ [inbound.reply]: `Here is my key:\n${REMOVED}\nThanks, Ann`, [inbound.certificate]: `Our certificate:\n${CERTIFICATE}` });
  });

  it('P9: a published email_received is masked; one left unpublished went out as this release sends it, the text as sent in transit only, for intake’s vault', async () => {
    expect(await eventData(events.published)).toEqual(mailData(inbound.reply, `Here is my key:\n${REMOVED}\nThanks, Ann`));
    expect(await eventData(events.unpublished)).toEqual(mailData(inbound.reply, `Cut: ${REMOVED}`));
    expect(await loggedData(events.unpublished)).toEqual({ ...mailData(inbound.reply, `Cut: ${REMOVED}`), inTransit: { subject: 'My key', text: `Cut: ${CUT_KEY}` } });
  });

  it('P9: the mail sent keeps the key removed in both bodies, as the current release renders the masked answer', async () => {
    const [kept] = await sut.query<{ subject: string; text_body: string; html_body: string }>(`SELECT subject, text_body, html_body FROM notification.mail_messages WHERE id = $1`, [mail]);
    expect({ subject: kept.subject, text: kept.text_body, html: kept.html_body }).toEqual(agentReplyMail(ctx, `Use this key:\n${REMOVED}\nthen retry.`));
  });

  // 1765606310000 leaves escalation's event types to the staff texts' change; this release's
  // 1765606540000 (keys' remainders, docs/adr/0026 sixth session) takes whole keys from them too.
  it('P9: an event kept for webhook replay and its delivery remove the key; escalation’s go with the sixth session’s 1765606540000', async () => {
    const bodies = Object.fromEntries((await sut.query<{ id: string; body: string }>(`SELECT id, body FROM notification.webhook_events`)).map((e) => [e.id, e.body]));
    expect(JSON.parse(bodies[webhook.responded])).toEqual(JSON.parse(webhookBody(webhook.responded, 'ticket.responded', { ...respondedData, body: `Use this key:\n${REMOVED}\nthen retry.` })));
    expect(JSON.parse(bodies[webhook.escalation])).toEqual(JSON.parse(webhookBody(webhook.escalation, 'escalation.raised', { ...escalationData, summary: `Referred: ${REMOVED}` })));
    const deliveries = Object.fromEntries((await sut.query<{ id: string; body: string }>(`SELECT id::text AS id, body FROM notification.webhook_deliveries`)).map((d) => [d.id, d.body]));
    expect(deliveries[webhook.delivery]).toBe(bodies[webhook.responded]);
    expect(deliveries[webhook.escalationDelivery]).toBe(bodies[webhook.escalation]);
  });

  it('running the migration again changes nothing', async () => {
    const snapshot = async () => [
      await sut.query(`SELECT id, subject, text_body FROM notification.inbound_messages ORDER BY id`),
      await sut.query(`SELECT position, event FROM notification.outbox ORDER BY position`),
      await sut.query(`SELECT id, subject, text_body, html_body FROM notification.mail_messages ORDER BY id`),
      await sut.query(`SELECT id, body FROM notification.webhook_events ORDER BY id`),
      await sut.query(`SELECT id, body FROM notification.webhook_deliveries ORDER BY id`),
    ];
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptPrivateKeys1765606310000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
