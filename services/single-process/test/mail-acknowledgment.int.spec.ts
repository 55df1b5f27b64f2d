import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { KIT_STRINGS } from '@tss/web-pages';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

/** What the sink answers one delivery: accept, or an SMTP error code. */
type SinkAnswer = { accept: true } | { accept: false; code: number; message: string };

/** A real SMTP server in this process (smtp-server); every mail it accepts is parsed with mailparser. */
interface SmtpSink {
  port: number;
  received: ParsedMail[];
  /** Every DATA it was offered, accepted or not, by recipient. */
  offered: string[];
  /** Decides the answer to each delivery (default: accept). */
  answer: (to: string) => SinkAnswer;
  close(): Promise<void>;
}

const startSmtpSink = async (): Promise<SmtpSink> => {
  const sink: SmtpSink = { port: 0, received: [], offered: [], answer: () => ({ accept: true }), close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(',');
        sink.offered.push(to);
        const answer = sink.answer(to);
        if (!answer.accept) {
          callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
          return;
        }
        simpleParser(Buffer.concat(chunks)).then(
          (parsed) => {
            sink.received.push(parsed);
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
};

const textOf = (mail: ParsedMail): string => mail.text ?? '';
const headerText = (mail: ParsedMail, name: string): string => String(mail.headers.get(name) ?? '');

// Issue #11 "Acknowledgment" and "E-mail out": through a real SMTP server and real MIME parsing.
describe('acknowledgment mail over SMTP (P3, issue #11)', () => {
  let sink: SmtpSink;
  let platform: TestPlatform;
  let client: PlatformClient;
  let partner: { token: string; partnerId: string };
  let agent: { token: string; clientId: string; clientSecret: string };
  const clock = new TestClock('2026-03-02T09:00:00.000Z');

  beforeAll(async () => {
    sink = await startSmtpSink();
    platform = await startTestPlatform('mail_ack', {
      clock,
      env: { MAIL_SMTP_HOST: '127.0.0.1', MAIL_SMTP_PORT: String(sink.port), MAIL_FROM: 'TSS Support <support@tss.test>' },
    });
    client = platform.client;
    const admin = await platform.adminToken();
    partner = await client.partner(admin, 'Acme Mail');
    agent = await client.staff(admin, ['agent'], 'Mia Agent');
    await platform.partnerKnownToIntake(partner.partnerId);
  });

  afterAll(async () => {
    await platform?.stop();
    await sink?.close();
  });

  beforeEach(() => {
    sink.answer = () => ({ accept: true });
  });

  const file = async (token: string, body: Record<string, unknown>) => {
    const response = await client.http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(body);
    expect(response.status).toBe(201);
    return response.body as { id: string; reference: string };
  };
  const mailTo = (address: string) => waitFor(`a mail to ${address}`, () => sink.received.find((m) => m.to && JSON.stringify(m.to).includes(address)));
  const mailRow = async (ticketId: string) =>
    (await platform.query<{ id: string; status: string; attempts: number; message_id: string; last_error: string | null; transport: string | null }>(
      'notification',
      `SELECT id, status, attempts, message_id, last_error, transport FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`,
      [ticketId],
    ))[0];

  it('P3: an API ticket with a requester e-mail gets the reference, the missing details, and a Message-ID that maps back', async () => {
    const ticket = await file(partner.token, sampleTicket({ requester: { email: 'ann@client.example', name: 'Ann' } }));
    const mail = await mailTo('ann@client.example');

    expect(mail.subject).toBe(`[${ticket.reference}] Request received: Reader crashes on opening EPUB`);
    expect(textOf(mail)).toContain(`reference number ${ticket.reference}`);
    // P2: sampleTicket names no steps, operating system or its version.
    expect(textOf(mail)).toContain('the steps that lead to the problem');
    expect(textOf(mail)).toContain('the operating system version');
    expect(textOf(mail)).not.toContain('the browser used');
    expect(mail.html).toContain(`<li>the operating system</li>`);
    expect(headerText(mail, 'auto-submitted')).toBe('auto-generated');
    expect(mail.from?.value[0]).toMatchObject({ name: 'TSS Support', address: 'support@tss.test' });
    // P5: the request named no level: it is the default, not "as requested".
    expect(textOf(mail)).toContain('Service level: standard (set by default; support confirms it).');

    const row = await waitFor('the mail recorded as sent', async () => ((await mailRow(ticket.id))?.status === 'sent' ? mailRow(ticket.id) : undefined));
    expect(mail.messageId).toBe(row!.message_id);
    expect(row!.message_id).toMatch(/@tss\.test>$/);
    expect(row!.transport).toBe('smtp');
  });

  it('P5: a level the partner named is acknowledged "as requested" until support confirms it', async () => {
    const ticket = await file(partner.token, sampleTicket({ level: 'consulting', requester: { email: 'cora@client.example' } }));
    const mail = await mailTo('cora@client.example');
    expect(mail.subject).toContain(ticket.reference);
    expect(textOf(mail)).toContain('Service level: general consulting (as requested; support confirms it).');
  });

  it('P3: a phone ticket in Russian is acknowledged in Russian, and handing the mail to SMTP accepts the ticket', async () => {
    const ticket = await file(
      agent.token,
      sampleTicket({ partnerId: partner.partnerId, channel: 'phone', language: 'ru', operatingSystem: 'Windows', operatingSystemVersion: '11', stepsToReproduce: '1. открыть', requester: { email: 'ivan@client.example' } }),
    );
    const mail = await mailTo('ivan@client.example');
    expect(mail.subject).toBe(`[${ticket.reference}] Обращение принято: Reader crashes on opening EPUB`);
    expect(textOf(mail)).toContain(`зарегистрировано под номером ${ticket.reference}`);
    expect(textOf(mail)).not.toContain('сообщите, пожалуйста'); // nothing missing

    const accepted = await waitFor('the ticket accepted by its acknowledgment', async () => {
      const response = await client.http().get(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' });
      return response.body.acceptedAt ? (response.body as { acceptedAt: string }) : undefined;
    });
    expect(accepted.acceptedAt).toBe(clock.now().toISOString());
  });

  // An outside accessibility test: the mails signed "Technical Support" while the support site's
  // header, where the mail's link leads, reads "Technical support": one team, one name.
  it('mail to a requester signs with the name the support site’s header shows, in English and Russian', async () => {
    await file(partner.token, sampleTicket({ requester: { email: 'sign@client.example' } }));
    await file(partner.token, sampleTicket({ language: 'ru', requester: { email: 'podpis@client.example' } }));
    const english = textOf(await mailTo('sign@client.example'));
    const russian = textOf(await mailTo('podpis@client.example'));
    expect({ english: english.trimEnd().split('\n').at(-1), russian: russian.trimEnd().split('\n').at(-1) }).toEqual({
      english: KIT_STRINGS.en.siteName,
      russian: KIT_STRINGS.ru.siteName,
    });
    expect(KIT_STRINGS.en.siteName).toBe('Technical support');
  });

  it('a 4xx answer is retried after its backoff, on the clock, and the mail arrives once', async () => {
    let refusals = 0;
    sink.answer = (to) => (to === 'busy@client.example' && refusals++ === 0 ? { accept: false, code: 451, message: 'Try again later' } : { accept: true });
    const ticket = await file(partner.token, sampleTicket({ requester: { email: 'busy@client.example' } }));

    const failedOnce = await waitFor('the first attempt recorded as transient', async () => {
      const row = await mailRow(ticket.id);
      return row?.last_error ? row : undefined;
    });
    expect(failedOnce.status).toBe('pending');
    expect(failedOnce.last_error).toContain('Try again later');
    expect(sink.received.some((m) => JSON.stringify(m.to).includes('busy@client.example'))).toBe(false);

    clock.advanceMs(60_000); // the first retry is due a minute after the first attempt
    await mailTo('busy@client.example');
    const row = await waitFor('the retry recorded as sent', async () => ((await mailRow(ticket.id))?.status === 'sent' ? mailRow(ticket.id) : undefined));
    expect(row!.attempts).toBe(2);
    expect(sink.offered.filter((to) => to === 'busy@client.example')).toHaveLength(2);
    expect(sink.received.filter((m) => JSON.stringify(m.to).includes('busy@client.example'))).toHaveLength(1);
  });

  it('a 5xx answer is a permanent failure: recorded, published as notification.delivery_failed, never retried, and on the ticket’s record', async () => {
    sink.answer = (to) => (to === 'nobody@client.example' ? { accept: false, code: 550, message: 'No such user here' } : { accept: true });
    const ticket = await file(partner.token, sampleTicket({ requester: { email: 'nobody@client.example' } }));
    const row = await waitFor('the mail recorded as failed', async () => ((await mailRow(ticket.id))?.status === 'failed' ? mailRow(ticket.id) : undefined));
    expect(row!.last_error).toContain('No such user here');
    const published = await platform.query<{ event: { data: { kind: string; reason: string } } }>(
      'notification',
      `SELECT event FROM notification.outbox WHERE event_type = 'notification.delivery_failed' AND message_key = $1`,
      [ticket.id],
    );
    expect(published).toHaveLength(1);
    expect(published[0].event.data.kind).toBe('mail.acknowledgment');

    // Its retry timer was cancelled with the record: nothing is left to send it again.
    const pendingTimers = await platform.query('notification', `SELECT id FROM notification.timers WHERE payload->>'mailId' = $1 AND status = 'pending'`, [row!.id]);
    expect(pendingTimers).toHaveLength(0);
    expect(sink.offered.filter((to) => to === 'nobody@client.example')).toHaveLength(1);

    // P3: staff see on the ticket that the requester got no reference number by mail.
    const entry = await waitFor('the failure in the ticket’s history', async () => {
      const history = await client.http().get(`/v1/tickets/${ticket.id}/history`).auth(agent.token, { type: 'bearer' });
      return (history.body.items as { action: string; actor: unknown; detail: { reason: string } }[]).find((e) => e.action === 'acknowledgment_failed');
    });
    expect(entry.actor).toMatchObject({ kind: 'service', id: 'notification' });
    expect(entry.detail.reason).toContain('No such user here');
    const events = await platform.query('ticket-intake', `SELECT 1 FROM ticket_intake.outbox WHERE event_type = 'ticket.acknowledgment_failed' AND message_key = $1`, [ticket.id]);
    expect(events).toHaveLength(1);
  });

  describe('ticket mail after the acknowledgment (templates, issue #11)', () => {
    const patch = async (id: string, body: Record<string, unknown>) => {
      const current = await client.http().get(`/v1/tickets/${id}`).auth(agent.token, { type: 'bearer' });
      const response = await client.http().patch(`/v1/tickets/${id}`).auth(agent.token, { type: 'bearer' }).set('if-match', current.headers.etag as string).send(body);
      expect(response.status).toBe(200);
    };
    const mailsTo = (address: string) => sink.received.filter((m) => JSON.stringify(m.to).includes(address));
    const nthMailTo = (address: string, n: number) => waitFor(`mail ${n} to ${address}`, () => mailsTo(address)[n - 1]);

    it('an agent reply, an information request, the resolved mail with the rating link, and a reopening: each threads under the acknowledgment', async () => {
      const address = 'thread@client.example';
      const ticket = await file(partner.token, sampleTicket({ requester: { email: address } }));
      const ack = await nthMailTo(address, 1);

      const answer = await client.http().post(`/v1/tickets/${ticket.id}/messages`).auth(agent.token, { type: 'bearer' }).send({ body: 'Please update to 4.2.2.' });
      expect(answer.status).toBe(201);
      const reply = await nthMailTo(address, 2);
      expect(reply.subject).toBe(`[${ticket.reference}] New reply: Reader crashes on opening EPUB`);
      expect(reply.inReplyTo).toBe(ack.messageId);
      expect(reply.references).toContain(ack.messageId);

      await patch(ticket.id, { status: 'awaiting_customer', waitReason: 'cannot_reproduce' });
      const asked = await nthMailTo(address, 3);
      expect(asked.subject).toBe(`[${ticket.reference}] Information needed: Reader crashes on opening EPUB`);
      expect(asked.text).toContain('We could not reproduce the problem');

      await patch(ticket.id, { status: 'resolved' });
      // P11: the resolved mail waits for the rating link (MAIL_RATING_WAIT_SECONDS) to carry it in the same mail.
      await waitFor('the resolved mail waiting for the rating link', async () => {
        const rows = await platform.query('notification', `SELECT 1 FROM notification.timers WHERE id = $1 AND status = 'pending'`, [`mail-resolved:${ticket.id}`]);
        return rows.length === 1;
      });
      // The rating service answers ticket.resolved with its survey link (rating.requested): one mail carries both.
      const resolved = await nthMailTo(address, 4);
      expect(resolved.subject).toBe(`[${ticket.reference}] Resolved: Reader crashes on opening EPUB`);
      const rateUrl = /https?:\/\/\S+\/rate\/[A-Za-z0-9_-]{20,}/.exec(resolved.text ?? '')?.[0];
      expect(rateUrl).toBeDefined();
      expect(resolved.html).toContain(`href="${rateUrl}"`);
      expect(resolved.inReplyTo).toBe(ack.messageId);

      const reopened = await client.http().post(`/v1/tickets/${ticket.id}/reopen`).auth(partner.token, { type: 'bearer' }).send({ reason: 'Still crashes' });
      expect(reopened.status).toBe(200);
      const again = await nthMailTo(address, 5);
      expect(again.subject).toBe(`[${ticket.reference}] Reopened: Reader crashes on opening EPUB`);
    });

    // An outside test: "Information needed" said nothing of the screenshot the agent's note asked for.
    it('P10: the information request mails the agent\'s note, masked (P9), in text and HTML', async () => {
      const address = 'asked@client.example';
      const ticket = await file(partner.token, sampleTicket({ requester: { email: address } }));
      await nthMailTo(address, 1);
      const note = 'Please send a screenshot of the error dialog, see https://docs.example.com/screens. Test account: login: demo password: Hunter2Secret!';
      await patch(ticket.id, { status: 'awaiting_customer', waitReason: 'insufficient_information', note });
      const asked = await nthMailTo(address, 2);
      expect(asked.subject).toBe(`[${ticket.reference}] Information needed: Reader crashes on opening EPUB`);
      expect(asked.text).toContain('Please send a screenshot of the error dialog, see https://docs.example.com/screens');
      expect(asked.html).toContain('<a href="https://docs.example.com/screens');
      expect(JSON.stringify(asked)).not.toContain('Hunter2Secret');
    });

    it('P6/P9: an out-of-scope closure mails the requester the reason and whom to turn to, in the catalogue’s words, and to change particulars held', async () => {
      const address = 'scope@client.example';
      const ticket = await file(partner.token, sampleTicket({ requester: { email: address }, language: 'ru' }));
      await nthMailTo(address, 1);
      const pasted = await client.http().post(`/v1/tickets/${ticket.id}/messages`).auth(partner.token, { type: 'bearer' }).send({ body: 'Admin login: admin password: Hunter2Secret!' });
      expect(pasted.status).toBe(201);
      // P9: the requester is told by mail that their particulars were moved to the vault (docs/adr/0026, sixth session).
      const vaulted = await nthMailTo(address, 2);
      expect(vaulted.subject).toBe(`[${ticket.reference}] Данные для доступа скрыты: Reader crashes on opening EPUB`);
      expect(vaulted.text).not.toContain('Hunter2Secret');
      await patch(ticket.id, { status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } });
      const closed = await nthMailTo(address, 3);
      expect(closed.subject).toBe(`[${ticket.reference}] Закрыто: вне рамок технической поддержки: Reader crashes on opening EPUB`);
      expect(closed.text).toContain('Причина: Не удаётся удалить вредоносное ПО с устройства клиента.');
      expect(closed.text).toContain('Пожалуйста, обратитесь: Производитель вашего антивирусного (защитного) программного обеспечения.');
      expect(closed.text).toContain('смените, пожалуйста, этот пароль');
      expect(closed.text).not.toContain('Hunter2Secret');
      expect(closed.inReplyTo).toBe((await nthMailTo(address, 1)).messageId);

      // Closed after a resolution (by the agent or the window): nothing more to tell.
      const other = 'scope2@client.example';
      const resolved = await file(partner.token, sampleTicket({ requester: { email: other } }));
      await nthMailTo(other, 1);
      await patch(resolved.id, { status: 'resolved' });
      await nthMailTo(other, 2);
      await patch(resolved.id, { status: 'closed' });
      const english = await file(partner.token, sampleTicket({ requester: { email: 'scope3@client.example' } }));
      await nthMailTo('scope3@client.example', 1);
      await patch(english.id, { status: 'closed', closure: { reason: 'general_programming', thirdParty: 'third_party_software_developer' } });
      const mail = await nthMailTo('scope3@client.example', 2);
      expect(mail.text).toContain('Reason: Advice on general programming issues.');
      expect(mail.text).toContain('Please turn to: The developer of the third-party software.');
      expect(mail.text).not.toContain('password');
      expect(mailsTo(other)).toHaveLength(2);
    });

    it('P11: the resolved mail waits for the rating link and goes once, with it; no separate invitation follows', async () => {
      const address = 'onemail@client.example';
      const ticket = await file(partner.token, sampleTicket({ requester: { email: address } }));
      await nthMailTo(address, 1);
      await patch(ticket.id, { status: 'resolved' });
      const resolved = await nthMailTo(address, 2);
      expect(resolved.subject).toContain('Resolved');
      expect(resolved.text).toMatch(/\/rate\/[A-Za-z0-9_-]{20,}/);
      // The wait's end (MAIL_RATING_WAIT_SECONDS) sends nothing more.
      clock.advanceMs(120_000);
      await waitFor('the resolved-mail timer done', async () =>
        (await platform.query('notification', `SELECT 1 FROM notification.timers WHERE id = $1 AND status = 'pending'`, [`mail-resolved:${ticket.id}`])).length === 0,
      );
      const sent = await platform.query<{ n: number }>('notification', `SELECT count(*)::int AS n FROM notification.mail_messages WHERE ticket_id = $1`, [ticket.id]);
      expect(sent).toEqual([{ n: 2 }]);
    });
  });

  it('staff read the outgoing mail with its delivery status at GET /v1/mail/outbox', async () => {
    const ticket = await file(partner.token, sampleTicket({ requester: { email: 'outbox@client.example' } }));
    await mailTo('outbox@client.example');
    const listed = await waitFor('the mail listed as sent', async () => {
      const response = await client.http().get(`/v1/mail/outbox?ticketId=${ticket.id}`).auth(agent.token, { type: 'bearer' });
      expect(response.status).toBe(200);
      const item = (response.body as { items: { status: string; subject: string; to: string }[] }).items[0];
      return item?.status === 'sent' ? item : undefined;
    });
    expect(listed).toMatchObject({ to: 'outbox@client.example', subject: expect.stringContaining(ticket.reference) });
    // docs/api.md §3: the ticket by its reference too, as typed (lower case, no dashes); a mistyped one is a 400.
    const byReference = await client.http().get(`/v1/mail/outbox?ticketId=${ticket.reference.toLowerCase().replace(/-/g, '')}`).auth(agent.token, { type: 'bearer' });
    expect(byReference.status).toBe(200);
    expect((byReference.body as { items: { id: string }[] }).items.map((m) => m.id)).toEqual((await client.http().get(`/v1/mail/outbox?ticketId=${ticket.id}`).auth(agent.token, { type: 'bearer' })).body.items.map((m: { id: string }) => m.id));
    expect((byReference.body as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const mistyped = ticket.reference.slice(0, -1) + (ticket.reference.endsWith('0') ? '1' : '0');
    const refused = await client.http().get(`/v1/mail/outbox?ticketId=${mistyped}`).auth(agent.token, { type: 'bearer' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ type: expect.stringContaining('invalid-reference') });
    const unknown = await client.http().get('/v1/mail/outbox?ticketId=TSS-00000-00000').auth(agent.token, { type: 'bearer' });
    expect(unknown.status === 200 ? unknown.body : unknown.status).toEqual({ items: [] });
    const partnerCall = await client.http().get('/v1/mail/outbox').auth(partner.token, { type: 'bearer' });
    expect(partnerCall.status).toBe(403);
  });

});

describe('local outbox without SMTP (single-process mode, issue #11)', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform('mail_local_outbox');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('a newcomer without an SMTP server reads the acknowledgment at GET /v1/mail/outbox', async () => {
    const admin = await platform.adminToken();
    const partner = await platform.client.partner(admin, 'Local Outbox Partner');
    const created = await platform.client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket({ requester: { email: 'new@client.example' } }));
    expect(created.status).toBe(201);
    const item = await waitFor('the acknowledgment in the local outbox', async () => {
      const response = await platform.client.http().get('/v1/mail/outbox').auth(admin, { type: 'bearer' });
      const found = (response.body as { items: { status: string; transport?: string; text: string; to: string }[] }).items.find((i) => i.to === 'new@client.example');
      return found?.status === 'sent' ? found : undefined;
    });
    expect(item.transport).toBe('local');
    expect(item.text).toContain(created.body.reference);
  });
});
