import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { tablesHolding as holdingTables } from './support/tables-holding';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SECRET = 'inbound-secret-0123456789';
const DAY_MS = 24 * 3_600_000;
const REPLY_PASSWORD = 'MailPw#9911';
const SUBJECT_PASSWORD = 'SubjPw#4242';
const HTML_PASSWORD = 'HtmlPw#9090';

// P9 "destruction must hold against copies", for mail (docs/adr/0070): once a mail is handled, its
// access particulars exist only in intake's vault, sealed; no table of any schema keeps them in clear.
describe('access particulars in inbound mail (P9, docs/adr/0070)', () => {
  const clock = new TestClock('2026-03-02T08:00:00.000Z');
  let platform: TestPlatform;
  let client: PlatformClient;
  let blobRoot: string;
  let partner: { token: string; partnerId: string };
  let agent = '';
  let admin = '';
  /** Tokens expire by the test clock too: fresh ones after each jump of days. */
  const freshTokens = async () => {
    admin = await platform.adminToken();
    agent = (await client.staff(admin, ['agent'])).token;
  };

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-mail-particulars-'));
    platform = await startTestPlatform('mail_particulars', { clock, env: { MAIL_INBOUND_SECRET: SECRET, ATTACHMENT_DIR: blobRoot } });
    client = platform.client;
    await freshTokens();
    partner = await client.partner(admin, 'A-Books');
    // Admins give domains only to partners notification knows (docs/adr/0035, addendum of 2026-12-04, third session).
    await platform.partnerKnownToNotification(partner.partnerId);
    const put = await client.http().put('/v1/inbound/partner-domains/a-books.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId });
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    await platform?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  const receive = async (lines: string[]) => {
    const response = await client.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(Buffer.from(lines.join('\r\n')));
    expect(response.status).toBe(202);
    return response.body as { inboundId: string; outcome: string; ticketId?: string };
  };
  const tablesHolding = (needle: string) => holdingTables(platform, needle);
  const credentialsOf = async (ticketId: string) =>
    (await client.http().get(`/v1/tickets/${ticketId}/credentials`).auth(agent, { type: 'bearer' })).body.items as { id: string; status: string }[];
  const reveal = (ticketId: string, credentialId: string) => client.http().get(`/v1/tickets/${ticketId}/credentials/${credentialId}`).auth(agent, { type: 'bearer' });
  const resolve = async (ticketId: string) => {
    const current = await client.http().get(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' });
    const changed = await client.http().patch(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' }).set('if-match', current.headers.etag).send({ status: 'resolved' });
    expect(changed.status).toBe(200);
  };

  it('P9: a reply and a new request by mail leave their particulars in the vault only, before and after destruction', async () => {
    // A reply to a ticket, "login: … password: …" in its text.
    const filed = await client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket({ requester: { email: 'ann@a-books.example' } }));
    expect(filed.status).toBe(201);
    await waitFor('the ticket known to notification', async () => {
      const acknowledged = await platform.query('notification', `SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1`, [filed.body.id]);
      return acknowledged.length === 1;
    });
    const replied = await receive([
        'From: ann@a-books.example',
        'To: support@tss.test',
        `Subject: Re: [${filed.body.reference as string}]`,
        'Message-ID: <pw-reply@a-books.example>',
        'Content-Type: text/plain; charset=utf-8',
        '',
      `Here is access. login: ann2 password: ${REPLY_PASSWORD} thanks`,
      '',
    ]);
    expect(replied).toMatchObject({ outcome: 'threaded', ticketId: filed.body.id });
    // A new request, HTML only, a password in its subject and another in its text.
    const opened = await receive([
      'From: gina@a-books.example',
      'To: support@tss.test',
      `Subject: cannot log in, my password: ${SUBJECT_PASSWORD}`,
      'Message-ID: <gina-new@a-books.example>',
      'Content-Type: text/html; charset=utf-8',
      '',
      `<p>Reader 4.2 login fails.</p><p>login: gina<br>password: ${HTML_PASSWORD}</p>`,
      '',
    ]);
    expect(opened.outcome).toBe('new_ticket');
    const openedTicketId = await waitFor('the ticket filed from the mail', async () => {
      const [row] = await platform.query<{ ticket_id: string | null }>('notification', `SELECT ticket_id FROM notification.inbound_messages WHERE message_id = '<gina-new@a-books.example>'`);
      return row?.ticket_id ?? undefined;
    });

    // The agent can reveal each one from the vault...
    const vaulted = await waitFor('the reply’s particulars vaulted', async () => {
      const items = await credentialsOf(filed.body.id as string);
      return items.length === 1 && items;
    });
    expect((await reveal(filed.body.id as string, vaulted[0].id)).body).toMatchObject({ login: 'ann2', secret: REPLY_PASSWORD });
    const openedVault = await credentialsOf(openedTicketId);
    const revealed = await Promise.all(openedVault.map(async (c) => (await reveal(openedTicketId, c.id)).body.secret as string));
    expect(revealed.sort()).toEqual([HTML_PASSWORD, SUBJECT_PASSWORD].sort());

    // ...and nothing else holds them in clear once every consumer has taken the mail's event.
    // (The in-process log is scrubbed after the last group commits: wait for that, then name what still holds any.)
    await waitFor('the mails’ events consumed and scrubbed', async () => (await tablesHolding(REPLY_PASSWORD)).length === 0).catch(() => undefined);
    for (const password of [REPLY_PASSWORD, SUBJECT_PASSWORD, HTML_PASSWORD]) expect(await tablesHolding(password)).toEqual([]);

    // After resolution and destruction: the vault's copies are gone too, and nothing came back.
    await resolve(filed.body.id as string);
    await resolve(openedTicketId);
    clock.advanceMs(2 * DAY_MS);
    await freshTokens();
    await waitFor('the particulars destroyed', async () => (await credentialsOf(filed.body.id as string)).every((c) => c.status === 'destroyed'));
    await waitFor('the particulars destroyed', async () => (await credentialsOf(openedTicketId)).every((c) => c.status === 'destroyed'));
    expect((await reveal(filed.body.id as string, vaulted[0].id)).status).toBe(410);
    for (const password of [REPLY_PASSWORD, SUBJECT_PASSWORD, HTML_PASSWORD]) expect(await tablesHolding(password)).toEqual([]);
  });
});
