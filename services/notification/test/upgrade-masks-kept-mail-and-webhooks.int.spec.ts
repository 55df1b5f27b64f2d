import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { escalationNoticeMail } from '../src/domain/escalation-notice';
import { agentReplyMail } from '../src/domain/mail-templates';
import { notificationService } from '../src/index';
import { MaskSentMail1765501340000 } from '../src/store/migrations/1765501340000-mask-sent-mail';
import { MaskKeptWebhookBodies1765501350000 } from '../src/store/migrations/1765501350000-mask-kept-webhook-bodies';

const PASSWORD = 'Hunter2!x';
const REMOVED = '[access particulars removed]';
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;
interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

// P9 (docs/adr/0070, addendum of 2026-12-04, fourth session): notification keeps the mail it sent
// and the events it offers to webhooks (30 days, for replay) as rendered from text an older
// release did not mask: a staff escalation notice quoting a rating, an agent's answer, a
// reopening's reason. After the upgrade none holds the password, and a replay sends the masked
// body signed over what it sends.
describe('upgrade: mail and webhook bodies kept in clear by older releases (migrations 1765501340000, 1765501350000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const partnerId = randomUUID();
  const ticketId = randomUUID();
  const endpointId = randomUUID();
  const seeded = { notice: '', reply: '', plain: '', reopened: '', rated: '', delivery: '' };
  const received: Received[] = [];
  let receiver: Server;
  let sut: ServiceUnderTest;

  const keptMail = async (query: Query, kind: string, recipient: string, mail: { subject: string; text: string; html: string }) => {
    const id = randomUUID();
    await query(
      `INSERT INTO notification.mail_messages (id, ticket_id, partner_id, kind, recipient, language, message_id, subject, text_body, html_body, status, attempts, created_at, sent_at)
       VALUES ($1, $2, $3, $4, $5, 'en', $6, $7, $8, $9, 'sent', 1, '2026-12-04T09:00:00Z', '2026-12-04T09:00:01Z')`,
      [id, ticketId, partnerId, kind, recipient, `<${id}@tss.test>`, mail.subject, mail.text, mail.html],
    );
    return id;
  };
  const keptEvent = async (query: Query, type: string, data: Record<string, unknown>) => {
    const id = randomUUID();
    const body = JSON.stringify({ specversion: '1.0', id, source: 'tss/ticket-intake', type, time: '2026-12-04T09:00:00.000Z', subject: ticketId, datacontenttype: 'application/json', data, sequence: 7 });
    await query(
      `INSERT INTO notification.webhook_events (id, type, partner_id, subject, sequence, occurred_at, body, received_at) VALUES ($1, $2, $3, $4, 7, '2026-12-04T09:00:00Z', $5, '2026-12-04T09:00:00Z')`,
      [id, type, partnerId, ticketId, body],
    );
    return { id, body };
  };

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    sut = await startServiceUnderTest(notificationService, {
      clock,
      env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' },
      database: {
        before: 1765501340000,
        write: async (query) => {
          const ctx = { reference: 'TSS-OLD01-AAAAA', subject: `Reader rejects us, pwd: ${PASSWORD}`, language: 'en' as const };
          await query(
            `INSERT INTO notification.mail_contacts (ticket_id, partner_id, reference, email, language, subject, site_requester, updated_at)
             VALUES ($1, $2, $3, 'ann@client.example', 'en', $4, 'mail:ann@client.example', '2026-12-04T09:00:00Z')`,
            [ticketId, partnerId, ctx.reference, ctx.subject],
          );
          const notice = escalationNoticeMail({
            escalationId: randomUUID(),
            kind: 'low_rating',
            attempt: 0,
            reference: ctx.reference,
            ticketId,
            targetRole: 'team_leader',
            summary: 'Rating 1 of 5 with a comment',
            quote: `Still broken. password: ${PASSWORD}`,
            ticketUrl: 'https://tss.example/t',
            escalationUrl: 'https://tss.example/e',
          }, 'en');
          seeded.notice = await keptMail(query, 'escalation_notice', 'lead@tss.example', notice);
          seeded.reply = await keptMail(query, 'agent_reply', 'ann@client.example', agentReplyMail(ctx, `Try login: support password: ${PASSWORD} now`));
          seeded.plain = await keptMail(query, 'agent_reply', 'ann@client.example', agentReplyMail({ ...ctx, subject: 'Reader crashes' }, 'The forgot password page works again.'));
          await query(
            `INSERT INTO notification.webhook_endpoints (id, owner_kind, partner_id, created_by, url, description, event_types, secret, status, created_at, updated_at)
             VALUES ($1, 'partner', $2, 'partner-admin', $3, '', '{*}', $4, 'enabled', '2026-12-01T09:00:00Z', '2026-12-01T09:00:00Z')`,
            [endpointId, partnerId, url, SECRET],
          );
          const reopened = await keptEvent(query, 'ticket.reopened', { partnerId, sequence: 7, reopenedAt: '2026-12-04T09:00:00.000Z', reason: `Rated not solved: Still broken. password: ${PASSWORD}` });
          const rated = await keptEvent(query, 'rating.submitted', { partnerId, score: 1, solved: false, comment: `Still broken. password: ${PASSWORD}`, inTransit: { comment: `Still broken. password: ${PASSWORD}` } });
          [seeded.reopened, seeded.rated] = [reopened.id, rated.id];
          seeded.delivery = randomUUID();
          await query(
            `INSERT INTO notification.webhook_deliveries (id, endpoint_id, message_id, event_type, body, reason, status, attempts, created_at, completed_at)
             VALUES ($1, $2, $3, 'ticket.reopened', $4, 'event', 'failed', 8, '2026-12-04T09:00:00Z', '2026-12-04T10:00:00Z')`,
            [seeded.delivery, endpointId, reopened.id, reopened.body],
          );
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('P9: the mail outbox shows no password in subjects, text or HTML; other mail is as sent', async () => {
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read' });
    const outbox = await sut.http().get('/v1/mail/outbox').auth(staff, { type: 'bearer' });
    expect(outbox.status).toBe(200);
    expect(outbox.body.items).toHaveLength(3);
    expect(JSON.stringify(outbox.body)).not.toContain(PASSWORD);

    const mails = await sut.query<{ id: string; subject: string; text_body: string; html_body: string }>(`SELECT id::text, subject, text_body, html_body FROM notification.mail_messages`);
    const byId = Object.fromEntries(mails.map((m) => [m.id, m]));
    expect(byId[seeded.notice].text_body).toContain(`> Still broken. ${REMOVED}\n`);
    expect(byId[seeded.notice].html_body).toContain(`<p dir="auto">&gt; Still broken. ${REMOVED}</p>`);
    const masked = agentReplyMail({ reference: 'TSS-OLD01-AAAAA', subject: `Reader rejects us, ${REMOVED}`, language: 'en' }, `Try ${REMOVED} now`);
    expect(byId[seeded.reply]).toEqual({ id: seeded.reply, subject: masked.subject, text_body: masked.text, html_body: masked.html });
    const plain = agentReplyMail({ reference: 'TSS-OLD01-AAAAA', subject: 'Reader crashes', language: 'en' }, 'The forgot password page works again.');
    expect(byId[seeded.plain]).toEqual({ id: seeded.plain, subject: plain.subject, text_body: plain.text, html_body: plain.html });
    // The ticket's mail contact, whose subject every later mail of the ticket repeats.
    expect(await sut.query(`SELECT subject FROM notification.mail_contacts WHERE ticket_id = $1`, [ticketId])).toEqual([{ subject: `Reader rejects us, ${REMOVED}` }]);
  });

  it('P9: kept webhook events and deliveries hold no password and stay valid JSON; a replay sends them masked, signed over what it sends', async () => {
    const kept = await sut.query<{ id: string; body: string }>(`SELECT id, body FROM notification.webhook_events`);
    const events = Object.fromEntries(kept.map((e) => [e.id, JSON.parse(e.body) as { data: Record<string, unknown> }]));
    expect(events[seeded.reopened].data).toEqual({ partnerId, sequence: 7, reopenedAt: '2026-12-04T09:00:00.000Z', reason: `Rated not solved: Still broken. ${REMOVED}` });
    expect(events[seeded.rated].data).toEqual({ partnerId, score: 1, solved: false, comment: `Still broken. ${REMOVED}` });
    const [delivery] = await sut.query<{ body: string }>(`SELECT body FROM notification.webhook_deliveries WHERE id = $1`, [seeded.delivery]);
    expect(delivery.body).toBe(kept.find((e) => e.id === seeded.reopened)?.body);

    const partner = sut.token({ kind: 'partner', partner_id: partnerId, scope: 'webhooks:manage' });
    const replay = await sut.http().post(`/v1/webhooks/endpoints/${endpointId}/replay`).auth(partner, { type: 'bearer' }).send({ since: '2026-12-01T00:00:00Z' });
    expect(replay.status).toBe(202);
    await waitFor('both events replayed to the receiver', async () => received.length >= 2);
    expect(received.map((r) => r.headers['webhook-id']).sort()).toEqual([seeded.reopened, seeded.rated].sort());
    for (const { headers, body } of received) {
      expect(body).not.toContain(PASSWORD);
      const signed = `${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`;
      const expected = `v1,${createHmac('sha256', Buffer.from(SECRET.slice('whsec_'.length), 'base64')).update(signed).digest('base64')}`;
      expect(String(headers['webhook-signature']).split(' ')).toContain(expected);
    }
  });

  it('running the migrations again changes nothing', async () => {
    const snapshot = async () => [
      await sut.query(`SELECT id, subject, text_body, html_body FROM notification.mail_messages ORDER BY id`),
      await sut.query(`SELECT ticket_id, subject FROM notification.mail_contacts ORDER BY ticket_id`),
      await sut.query(`SELECT id, body FROM notification.webhook_events ORDER BY id`),
      await sut.query(`SELECT id, body FROM notification.webhook_deliveries ORDER BY id`),
    ];
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskSentMail1765501340000().up(runner);
      await new MaskKeptWebhookBodies1765501350000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
