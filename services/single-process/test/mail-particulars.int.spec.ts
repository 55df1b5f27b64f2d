import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pngBytes } from '@tss/blob-storage/testing';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { tablesHolding as holdingTables } from './support/tables-holding';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SECRET = 'inbound-secret-0123456789';
const DAY_MS = 24 * 3_600_000;
const REPLY_PASSWORD = 'MailPw#9911';
const SUBJECT_PASSWORD = 'SubjPw#4242';
const HTML_PASSWORD = 'HtmlPw#9090';
const FILE_PASSWORD = 'FilePw#7788';
const REFUSED_FILE_PASSWORD = 'ExePw#6655';
const FILED_FILE_PASSWORD = 'FilePw#4433';

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

  /** A mail with `files` attached (type, name, bytes) after its plain text. */
  const mailWithFiles = (headers: string[], text: string, files: readonly { type: string; name: string; bytes: Buffer }[]) => [
    ...headers,
    'To: support@tss.test',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    ...files.flatMap((f) => ['--B', `Content-Type: ${f.type}`, `Content-Disposition: attachment; filename="${f.name}"`, 'Content-Transfer-Encoding: base64', '', f.bytes.toString('base64')]),
    '--B--',
    '',
  ];
  const attachmentsOf = async (ticketId: string) => (await client.http().get(`/v1/tickets/${ticketId}/attachments`).auth(agent, { type: 'bearer' })).body.items as { fileName: string }[];
  const threadOf = async (ticketId: string) => (await client.http().get(`/v1/tickets/${ticketId}/thread`).auth(agent, { type: 'bearer' })).body.items as { body: string }[];
  const MASKED_PNG = /^\[credentials stored securely: TSS vault #[0-9a-f]{8}\]\.png$/;

  it('P9: particulars in the names of a reply’s files are vaulted and masked by intake, and notification keeps the names masked', async () => {
    const filed = await client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket({ requester: { email: 'hal@a-books.example' } }));
    expect(filed.status).toBe(201);
    const ticketId = filed.body.id as string;
    await waitFor('the ticket known to notification', async () => (await platform.query('notification', `SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1`, [ticketId])).length === 1);
    const replied = await receive(
      mailWithFiles(['From: hal@a-books.example', `Subject: Re: [${filed.body.reference as string}]`, 'Message-ID: <file-names@a-books.example>'], 'Screenshots attached.', [
        { type: 'image/png', name: `password ${FILE_PASSWORD}.png`, bytes: pngBytes() },
        { type: 'application/octet-stream', name: `pwd=${REFUSED_FILE_PASSWORD}.exe`, bytes: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64, 1)]) },
      ]),
    );
    expect(replied).toMatchObject({ outcome: 'threaded', ticketId });

    const [attachment] = await waitFor('the mailed file attached', async () => {
      const items = await attachmentsOf(ticketId);
      return items.length === 1 && items;
    });
    expect(attachment.fileName).toMatch(MASKED_PNG);
    // Both names' particulars are in the vault, the refused file's too (its name is on the thread and in the mail).
    const vaulted = await credentialsOf(ticketId);
    const revealed = await Promise.all(vaulted.map(async (c) => (await reveal(ticketId, c.id)).body.secret as string));
    expect(revealed.sort()).toEqual([FILE_PASSWORD, REFUSED_FILE_PASSWORD].sort());
    const thread = await threadOf(ticketId);
    expect(thread.some((m) => m.body.includes('The name of a file you sent contained access particulars'))).toBe(true);
    expect(JSON.stringify(thread)).not.toMatch(/FilePw|ExePw/);

    // Notification keeps the mail's names masked, as it keeps its text.
    const [inbound] = await platform.query<{ attachments: { filename: string }[] }>('notification', `SELECT attachments FROM notification.inbound_messages WHERE message_id = '<file-names@a-books.example>'`);
    expect(inbound.attachments.map((a) => a.filename)).toEqual(['[access particulars removed].png', '[access particulars removed].exe']);
    for (const password of [FILE_PASSWORD, REFUSED_FILE_PASSWORD]) {
      expect((await tablesHolding(password))).toEqual([]);
    }
  });

  it('P9: a new request by mail: its file’s name is vaulted and masked, and the requester is told in the thread', async () => {
    const opened = await receive(
      mailWithFiles(['From: ida@a-books.example', 'Subject: Reader crashes on start', 'Message-ID: <file-name-new@a-books.example>'], 'Reader 4.2 crashes, screenshot attached.', [
        { type: 'image/png', name: `password ${FILED_FILE_PASSWORD}.png`, bytes: pngBytes() },
      ]),
    );
    expect(opened.outcome).toBe('new_ticket');
    const ticketId = await waitFor('the ticket filed from the mail', async () => {
      const [row] = await platform.query<{ ticket_id: string | null }>('notification', `SELECT ticket_id FROM notification.inbound_messages WHERE message_id = '<file-name-new@a-books.example>'`);
      return row?.ticket_id ?? undefined;
    });

    expect((await attachmentsOf(ticketId)).map((a) => a.fileName)).toEqual([expect.stringMatching(MASKED_PNG)]);
    const [credential] = await credentialsOf(ticketId);
    expect((await reveal(ticketId, credential.id)).body.secret).toBe(FILED_FILE_PASSWORD);
    expect((await threadOf(ticketId)).some((m) => m.body.includes('The name of a file you sent contained access particulars'))).toBe(true);
    expect((await tablesHolding(FILED_FILE_PASSWORD))).toEqual([]);
  });

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
