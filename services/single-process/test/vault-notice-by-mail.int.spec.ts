import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { waitFor } from '@tss/service-kit/testing';
import { ratingHelpers } from './rating-support';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SECRET = 'inbound-secret-0123456789';
const MAILED_PASSWORD = 'Tajna#4471';
const FILED_PASSWORD = 'Filed#Pw5582';
const RATED_PASSWORD = 'Rated#Pw9034';
const COLLEAGUE_PASSWORD = 'Colleague#Pw6120';

type ThreadItem = { body: string; author: { kind: string } };
type MailRow = { language: string; subject: string; text_body: string; in_reply_to: string | null };

// An outside tester: the P9 notice that particulars were moved to the vault was on the site thread
// only, so a requester who uses mail alone was never told; and particulars from a "not solved"
// rating comment were announced as "Your message contained…" for a comment the thread never shows
// (docs/adr/0026, addendum of 2026-12-04, sixth session).
describe('the requester is told by mail that particulars were vaulted, in words that fit where they came from (P9)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let h: ReturnType<typeof ratingHelpers>;
  let partner: { token: string; partnerId: string };
  let agent: string;

  beforeAll(async () => {
    platform = await startTestPlatform('vault_notice_mail', { env: { MAIL_INBOUND_SECRET: SECRET } });
    client = platform.client;
    h = ratingHelpers(platform);
    const admin = await platform.adminToken();
    partner = await client.partner(admin, 'Kunde Vault');
    await platform.partnerKnownToNotification(partner.partnerId);
    agent = (await client.staff(admin, ['agent'])).token;
    expect((await client.http().put('/v1/inbound/partner-domains/vault-kunde.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const receive = async (raw: Buffer) => {
    const response = await client.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(raw);
    expect(response.status).toBe(202);
    return response.body as { outcome: string; ticketId?: string };
  };
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const mail = (headers: string[], text: string) =>
    Buffer.from([...headers, 'To: support@tss.test', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', b64(text), ''].join('\r\n'));
  const mailsOf = (ticketId: string, kind: string) =>
    platform.query<MailRow>('notification', `SELECT language, subject, text_body, in_reply_to FROM notification.mail_messages WHERE ticket_id = $1 AND kind = $2`, [ticketId, kind]);
  const mailOf = (ticketId: string, kind: string) =>
    waitFor(`the ${kind} mail of ${ticketId}`, async () => {
      const rows = await mailsOf(ticketId, kind);
      return rows[0];
    });
  const threadOf = async (ticketId: string) => (await client.http().get(`/v1/tickets/${ticketId}/thread`).auth(agent, { type: 'bearer' })).body.items as ThreadItem[];

  it('P9: a mail-only requester whose reply held a password gets a mail (Russian, threaded) saying it was vaulted and to change it; the mail holds no password', async () => {
    const opened = await receive(
      mail(
        ['From: Олег <oleg@vault-kunde.example>', `Subject: =?utf-8?B?${b64('Не открывается книга')}?=`, 'Message-ID: <oleg-1@vault-kunde.example>'],
        'Здравствуйте! Читалка 4.2 не открывает купленную книгу. Подскажите, пожалуйста, что делать?',
      ),
    );
    expect(opened.outcome).toBe('new_ticket');
    const ack = await waitFor('the acknowledgment', async () => {
      const rows = await platform.query<{ ticket_id: string; message_id: string }>('notification', `SELECT ticket_id, message_id FROM notification.mail_messages WHERE recipient = $1 AND kind = 'acknowledgment'`, [
        'oleg@vault-kunde.example',
      ]);
      return rows[0];
    });
    const reply = await receive(
      mail(
        ['From: Олег <oleg@vault-kunde.example>', 'Subject: Re: доступ', 'Message-ID: <oleg-2@vault-kunde.example>', `In-Reply-To: ${ack.message_id}`],
        `Вот доступ к учётной записи. логин: oleg пароль: ${MAILED_PASSWORD}`,
      ),
    );
    expect(reply).toMatchObject({ outcome: 'threaded', ticketId: ack.ticket_id });

    const told = await mailOf(ack.ticket_id, 'credentials_vaulted');
    expect(told.language).toBe('ru');
    expect(told.in_reply_to).toBe(ack.message_id);
    expect(told.text_body).toContain('хранилище');
    expect(told.text_body).toContain('смените');
    expect(told.text_body).not.toContain(MAILED_PASSWORD);
  });

  // An outside tester: this mail's acknowledgment, and every later mail of its ticket, was titled
  // "Обращение принято: Не могу войти, [credentials stored securely: TSS vault #…]" (docs/adr/0026,
  // addendum of 2026-12-05, sixth session).
  it('P9: a Russian mail whose subject held a password: its mails\' subjects show the vault mark in Russian; the API keeps the stored mark', async () => {
    const opened = await receive(
      mail(['From: Инна <inna@vault-kunde.example>', `Subject: =?utf-8?B?${b64('Не могу войти, пароль: Секрет-123')}?=`, 'Message-ID: <inna-1@vault-kunde.example>'], 'Здравствуйте! Читалка 4.2 не пускает в кабинет.'),
    );
    expect(opened.outcome).toBe('new_ticket');
    const ack = await waitFor('the acknowledgment', async () => {
      const rows = await platform.query<MailRow & { ticket_id: string }>('notification', `SELECT ticket_id, subject FROM notification.mail_messages WHERE recipient = $1 AND kind = 'acknowledgment'`, [
        'inna@vault-kunde.example',
      ]);
      return rows[0];
    });
    const ticketId = ack.ticket_id;
    expect(ack.subject).toMatch(/^\[TSS-[0-9A-Z]{5}-[0-9A-Z]{5}\] Обращение принято: Не могу войти, \[данные для доступа перенесены в защищённое хранилище: TSS #[0-9a-f]{8}\]$/);
    expect(ack.subject).not.toContain('Секрет-123');
    const stored = (await client.http().get(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' })).body as { subject: string };
    expect(stored.subject).toMatch(/^Не могу войти, \[credentials stored securely: TSS vault #[0-9a-f]{8}\]$/);
    expect((await client.http().post(`/v1/tickets/${ticketId}/messages`).auth(agent, { type: 'bearer' }).send({ body: 'Проверьте, пожалуйста, раскладку клавиатуры.' })).status).toBe(201);
    const answered = await mailOf(ticketId, 'agent_reply');
    expect(answered.subject).toContain('Новый ответ: Не могу войти, [данные для доступа перенесены в защищённое хранилище: TSS #');
    expect(answered.subject).not.toContain('credentials stored securely');
  });

  it('P9: a colleague’s mailed reply with a password: the thread note names whose message it was, not the requester’s; the requester gets no mail of it', async () => {
    const opened = await receive(
      mail(['From: Petra <petra@vault-kunde.example>', 'Subject: Reader crashes on start', 'Message-ID: <petra-1@vault-kunde.example>'], 'Hello, Reader 4.2 crashes as soon as it starts.'),
    );
    expect(opened.outcome).toBe('new_ticket');
    const ack = await waitFor('the acknowledgment', async () => {
      const rows = await platform.query<{ ticket_id: string; message_id: string }>('notification', `SELECT ticket_id, message_id FROM notification.mail_messages WHERE recipient = $1 AND kind = 'acknowledgment'`, [
        'petra@vault-kunde.example',
      ]);
      return rows[0];
    });
    const reply = await receive(
      mail(['From: col@vault-kunde.example', 'Subject: Re: access', 'Message-ID: <col-1@vault-kunde.example>', `In-Reply-To: ${ack.message_id}`], `Our test account: login: colacct password: ${COLLEAGUE_PASSWORD}`),
    );
    expect(reply).toMatchObject({ outcome: 'threaded', ticketId: ack.ticket_id });

    const note = await waitFor('the vault note on the thread', async () => (await threadOf(ack.ticket_id)).find((m) => m.author.kind === 'system' && m.body.includes('secure vault')));
    expect(note?.body).toContain('The message from col@vault-kunde.example contained access particulars');
    expect(note?.body).not.toContain('Your message');
    expect(note?.body).not.toContain(COLLEAGUE_PASSWORD);
    expect(await mailsOf(ack.ticket_id, 'credentials_vaulted')).toEqual([]);
  });

  it('P9: a request filed by mail with a password: the acknowledgment, the next mail the requester gets, tells them', async () => {
    const opened = await receive(
      mail(['From: Jane <jane@vault-kunde.example>', 'Subject: Reader cannot sign in', 'Message-ID: <jane-1@vault-kunde.example>'], `Hello, Reader 4.2 rejects my account. login: jane password: ${FILED_PASSWORD}`),
    );
    expect(opened.outcome).toBe('new_ticket');
    const ack = await waitFor('the acknowledgment', async () => {
      const rows = await platform.query<{ ticket_id: string; text_body: string }>('notification', `SELECT ticket_id, text_body FROM notification.mail_messages WHERE recipient = $1 AND kind = 'acknowledgment'`, [
        'jane@vault-kunde.example',
      ]);
      return rows[0];
    });
    expect(ack.text_body).toContain('Your request contained access particulars');
    expect(ack.text_body).not.toContain(FILED_PASSWORD);
    expect(await mailsOf(ack.ticket_id, 'credentials_vaulted')).toEqual([]);
  });

  it('P9: particulars in a "not solved" rating comment: the thread names the rating comment, not a message it never shows; the reopened mail tells the requester', async () => {
    const ticket = await h.file(partner.token, sampleTicket({ requester: { id: 'cust-rita', email: 'rita@client.example' } }));
    await h.resolve(agent, ticket.id);
    await h.rateLink(ticket.id);
    const rated = await client.http().post(`/v1/tickets/${ticket.id}/rating`).auth(partner.token, { type: 'bearer' }).send({ score: 1, solved: false, comment: `Still broken. password: ${RATED_PASSWORD}` });
    expect(rated.status).toBe(201);

    const reopenedMail = await mailOf(ticket.id, 'reopened');
    const thread = await threadOf(ticket.id);
    const note = thread.find((m) => m.author.kind === 'system' && m.body.includes('secure vault'));
    expect(note?.body).not.toContain('Your message contained');
    expect(note?.body).toContain('The comment you gave with your rating contained access particulars');
    expect(reopenedMail.text_body).toContain('The comment you gave with your rating contained access particulars');
    expect(reopenedMail.text_body).not.toContain(RATED_PASSWORD);
    // The comment never reaches the thread: the mail says they were removed from it.
    expect(reopenedMail.text_body).toContain('removed them from the comment');
    expect(reopenedMail.text_body).not.toContain("masked them in the request's thread");
  });
});
