import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import type { TicketMailContext } from '../src/domain/mail-template';
import { agentReplyMail } from '../src/domain/mail-templates';
import { notificationService } from '../src/index';
import { MaskKeptKeyRemainders1765606540000 } from '../src/store/migrations/1765606540000-mask-kept-key-remainders';

const MARK = 'PRIVKEYMARK44N';
const REMOVED = '[access particulars removed]';
/** What "password: <key>" became in an older release: "-----BEGIN" went as the value, the rest stayed. */
const REST = `${REMOVED} OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ${MARK}\n-----END OPENSSH PRIVATE KEY-----`;

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): before the fifth session a key after
// "password:" lost only its "-----BEGIN"; the rest of its block has no BEGIN line, so the fifth
// session's 1765606310000 (whole keys) left it in every copy notification keeps.
describe('upgrade: what notification kept of half-masked private keys (migration 1765606540000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ticketId = randomUUID();
  const endpointId = randomUUID();
  const ids = { inbound: randomUUID(), ordinary: randomUUID(), event: randomUUID(), mail: randomUUID(), webhook: randomUUID(), delivery: randomUUID() };
  const ctx: TicketMailContext = { reference: 'TSS-OLD01-AAAAA', subject: 'Key rejected', language: 'en', siteUrl: 'https://support.example/t/abc' };
  let sut: ServiceUnderTest;

  const keptInbound = (query: Query, id: string, text: string) =>
    query(
      `INSERT INTO notification.inbound_messages (id, message_id, outcome, reason, ticket_id, partner_id, sender, subject, text_body, attachments, received_at)
       VALUES ($1, $2, 'threaded', 'in_reply_to', $3, $4, 'ann@client.example', 'My key', $5, '[]'::jsonb, '2026-12-04T09:00:00Z')`,
      [id, `<${id}@client.example>`, ticketId, partnerId, text],
    );
  const mailData = (text: string) => ({ partnerId, ticketId, inboundId: ids.inbound, messageId: `<${ids.inbound}@client.example>`, from: 'ann@client.example', subject: 'My key', text, attachmentPointers: [], receivedAt: '2026-12-04T09:00:00.000Z' });
  const webhookBody = (data: Record<string, unknown>) =>
    JSON.stringify({ specversion: '1.0', id: ids.webhook, source: 'tss/escalation', type: 'escalation.raised', time: '2026-12-04T09:00:02.000Z', subject: ticketId, datacontenttype: 'application/json', data });
  const raised = (summary: string) => ({ partnerId, escalationId: randomUUID(), kind: 'quality', targetRole: 'quality', raisedAt: '2026-12-04T09:00:02.000Z', summary });
  const raisedData = raised(`Referred: admin ${REST}`);

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationService, {
      clock,
      database: {
        before: 1765606540000,
        write: async (query) => {
          await keptInbound(query, ids.inbound, `Login: ann, password: ${REST}\nThanks, Ann`);
          await keptInbound(query, ids.ordinary, 'The file ends with -----END OPENSSH PRIVATE KEY----- as usual');
          await query(
            `INSERT INTO notification.outbox (event_id, event_type, topic, message_key, event, created_at, published_at)
             VALUES ($1, 'notification.email_received', 'tss.notification', $2, $3, '2026-12-04T09:00:00Z', '2026-12-04T09:00:01Z')`,
            [ids.event, ticketId, { specversion: '1.0', id: ids.event, type: 'notification.email_received', subject: ticketId, data: mailData(`Login: ann, password: ${REST}`) }],
          );
          const rendered = agentReplyMail(ctx, `Use this one, password: ${REST}\nthen retry.`);
          await query(
            `INSERT INTO notification.mail_messages (id, ticket_id, partner_id, kind, recipient, language, message_id, subject, text_body, html_body, status, attempts, created_at, sent_at)
             VALUES ($1, $2, $3, 'agent_reply', 'ann@client.example', 'en', $4, $5, $6, $7, 'sent', 1, '2026-12-04T09:00:00Z', '2026-12-04T09:00:01Z')`,
            [ids.mail, ticketId, partnerId, `<${ids.mail}@tss.test>`, rendered.subject, rendered.text, rendered.html],
          );
          await query(
            `INSERT INTO notification.webhook_endpoints (id, owner_kind, partner_id, created_by, url, description, event_types, secret, status, created_at, updated_at)
             VALUES ($1, 'partner', $2, 'partner-admin', 'https://hooks.example/tss', '', '{*}', 'sealed', 'disabled', '2026-12-01T09:00:00Z', '2026-12-01T09:00:00Z')`,
            [endpointId, partnerId],
          );
          await query(
            `INSERT INTO notification.webhook_events (id, type, partner_id, subject, sequence, occurred_at, body, received_at) VALUES ($1, 'escalation.raised', $2, $3, 3, '2026-12-04T09:00:02Z', $4, '2026-12-04T09:00:02Z')`,
            [ids.webhook, partnerId, ticketId, webhookBody(raisedData)],
          );
          await query(
            `INSERT INTO notification.webhook_deliveries (id, endpoint_id, message_id, event_type, body, reason, status, attempts, created_at, completed_at)
             VALUES ($1, $2, $3, 'escalation.raised', $4, 'event', 'failed', 8, '2026-12-04T09:00:02Z', '2026-12-04T10:00:00Z')`,
            [ids.delivery, endpointId, ids.webhook, webhookBody(raisedData)],
          );
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const tablesHolding = async (needle: string): Promise<string[]> => {
    const tables = await sut.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'notification' AND table_type = 'BASE TABLE'`);
    const holding: string[] = [];
    for (const { name } of tables) {
      const [{ n }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification."${name}" t WHERE strpos(row_to_json(t)::text, $1) > 0`, [needle]);
      if (n > 0) holding.push(name);
    }
    return holding;
  };

  it('P9: no table of notification holds the remainder of a key, escalation’s events included', async () => {
    expect(await tablesHolding(MARK)).toEqual([]);
  });

  it('P9: each remainder goes, the placeholder standing for the key; prose naming an END line stays', async () => {
    const texts = Object.fromEntries((await sut.query<{ id: string; text_body: string }>(`SELECT id::text AS id, text_body FROM notification.inbound_messages`)).map((m) => [m.id, m.text_body]));
    expect(texts).toEqual({ [ids.inbound]: `Login: ann, password: ${REMOVED}\nThanks, Ann`, [ids.ordinary]: 'The file ends with -----END OPENSSH PRIVATE KEY----- as usual' });
    expect(await sut.query(`SELECT event->'data'->>'text' AS text FROM notification.outbox WHERE event_id = $1`, [ids.event])).toEqual([{ text: `Login: ann, password: ${REMOVED}` }]);
    const [mail] = await sut.query<{ text_body: string; html_body: string }>(`SELECT text_body, html_body FROM notification.mail_messages WHERE id = $1`, [ids.mail]);
    expect(mail.text_body).toContain(`Use this one, password: ${REMOVED}\nthen retry.`);
    expect(mail.html_body).toContain(`Use this one, password: ${REMOVED}<br>then retry.`);
    const bodies = await sut.query<{ body: string }>(
      `SELECT body FROM notification.webhook_events WHERE id = $1 UNION ALL SELECT body FROM notification.webhook_deliveries WHERE id = $2::uuid`,
      [ids.webhook, ids.delivery],
    );
    expect(bodies.map((b) => (JSON.parse(b.body) as { data: unknown }).data)).toEqual([{ ...raisedData, summary: `Referred: admin ${REMOVED}` }, { ...raisedData, summary: `Referred: admin ${REMOVED}` }]);
  });

  it('running the migration again changes nothing', async () => {
    const snapshot = async () => ({
      inbound: await sut.query(`SELECT id, subject, text_body FROM notification.inbound_messages ORDER BY id`),
      outbox: await sut.query(`SELECT position, event FROM notification.outbox ORDER BY position`),
      mail: await sut.query(`SELECT id, subject, text_body, html_body FROM notification.mail_messages ORDER BY id`),
      contacts: await sut.query(`SELECT ticket_id, subject FROM notification.mail_contacts ORDER BY ticket_id`),
      webhooks: await sut.query(`SELECT id, body FROM notification.webhook_events ORDER BY id`),
      deliveries: await sut.query(`SELECT id, body FROM notification.webhook_deliveries ORDER BY id`),
    });
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptKeyRemainders1765606540000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
