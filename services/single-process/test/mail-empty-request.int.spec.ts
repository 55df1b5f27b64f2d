import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { RatingSubmittedV1 } from '@tss/contracts';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SECRET = 'inbound-secret-0123456789';
const HOUR = 3_600_000;

type TicketBody = { id: string; reference: string; subject: string; description: string; missingDetails: string[]; status: string; responseOwed: boolean; language: string };
type AckRow = { subject: string; text_body: string; html_body: string; language: string };
type ThreadBody = { request: { description: string }; items: { body: string; author: { kind: string; id?: string } }[] };

/**
 * An outside tester (a support agent's day): a mail with no text filed a ticket described as
 * "(empty message)", words nobody wrote, and nobody asked for the description: `missingDetails`
 * and the acknowledgment listed product, version, steps and environment, never what the problem is.
 * P2 (DESIGN) makes the description required, "a clear, coherent description of the issues"
 * (technical-support-rules.txt); by mail there is no 400 to give, so it is a missing detail like the
 * others (docs/adr/0035, addendum of 2026-12-05, fifth session).
 */
describe('a mail with no text files a request whose description is missing (P2)', () => {
  let platform: TestPlatform;
  let agent: string;
  let mta: nodemailer.Transporter;
  let partnerId: string;

  beforeAll(async () => {
    const smtpPort = await freePort();
    // The SMTP listener too: an outside tester mails requests over SMTP (docs/adr/0035, sixth session).
    platform = await startTestPlatform('mail_empty_request', { env: { MAIL_INBOUND_SECRET: SECRET, INBOUND_SMTP_PORT: String(smtpPort), INBOUND_SMTP_DOMAINS: 'tss.test' } });
    mta = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    const admin = await platform.adminToken();
    const partner = await platform.client.partner(admin, 'Gamma Books');
    partnerId = partner.partnerId;
    await platform.partnerKnownToNotification(partner.partnerId);
    await platform.partnerKnownToIntake(partner.partnerId);
    agent = (await platform.client.staff(admin, ['agent'])).token;
    const given = await platform.client.http().put('/v1/inbound/partner-domains/gamma.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId });
    expect(given.status).toBe(200);
  });

  afterAll(async () => {
    mta?.close();
    await platform?.stop();
  });

  /** The requester of test `n`: each their own, as notification quarantines a sender's mail past a few new tickets an hour. */
  const requester = (n: number) => (n === 1 ? 'Empty2 <empty2@gamma.example>' : `Requester ${n} <requester${n}@gamma.example>`);

  /** Mails `text` (empty: no text at all) and answers the ticket it filed, as an agent reads it, and its acknowledgment. */
  const fileByMail = async (n: number, subject: string | undefined, text: string): Promise<{ ticket: TicketBody; ack: AckRow }> => {
    const messageId = `<empty-${n}@gamma.example>`;
    const headers = [`From: ${requester(n)}`, 'To: support@tss.test', ...(subject === undefined ? [] : [`Subject: =?utf-8?B?${Buffer.from(subject).toString('base64')}?=`]), `Message-ID: ${messageId}`, 'Content-Type: text/plain; charset=utf-8'];
    const receipt = await platform.client.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(Buffer.from([...headers, '', text].join('\r\n')));
    expect(receipt.status).toBe(202);
    expect(receipt.body).toMatchObject({ outcome: 'new_ticket' });
    const ticketId = await waitFor(`the ticket of ${messageId}`, async () => {
      const rows = await platform.query<{ ticket_id: string }>('ticket-intake', 'SELECT ticket_id::text AS ticket_id FROM ticket_intake.messages WHERE email_message_id = $1', [messageId]);
      return rows[0]?.ticket_id;
    });
    const ack = await waitFor(`the acknowledgment of ${messageId}`, async () => {
      const rows = await platform.query<AckRow>('notification', `SELECT subject, text_body, html_body, language FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`, [ticketId]);
      return rows[0];
    });
    const read = await platform.client.http().get(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' });
    expect(read.status).toBe(200);
    return { ticket: read.body as TicketBody, ack };
  };

  it('P2: a subject and no text: the description is empty and missing, and the acknowledgment asks for it first', async () => {
    const { ticket, ack } = await fileByMail(1, 'Only a subject', '');
    expect(ticket).toMatchObject({ subject: 'Only a subject', description: '', status: 'new', responseOwed: true });
    // In P2's order: product, version, the description, then steps and the environment.
    expect(ticket.missingDetails).toEqual(['product', 'productVersion', 'description', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion']);
    expect(ack.subject).toBe(`[${ticket.reference}] Request received: Only a subject`);
    expect(ack.text_body).toContain('please tell us:');
    expect(ack.text_body).toContain('a description of the problem: what happens, and what you expected instead');
    expect(ack.html_body).toContain('<li>a description of the problem: what happens, and what you expected instead</li>');
    expect(`${ack.subject}\n${ack.text_body}\n${JSON.stringify(ticket)}`).not.toContain('(empty message)');
  });

  it('P2: no subject and no text: nothing on the ticket reads as words the requester wrote', async () => {
    const { ticket, ack } = await fileByMail(2, undefined, '');
    expect(ticket).toMatchObject({ subject: '', description: '' });
    expect(ticket.missingDetails).toContain('description');
    expect(ack.subject).toBe(`[${ticket.reference}] Request received`);
    const thread = await platform.client.http().get(`/v1/tickets/${ticket.id}/thread`).auth(agent, { type: 'bearer' });
    expect(thread.body.request).toMatchObject({ subject: '', description: '' });
    expect(JSON.stringify(thread.body)).not.toContain('(empty message)');
  });

  it('P2: a Russian request with no text is asked for its description in Russian', async () => {
    const { ticket, ack } = await fileByMail(3, 'Не открывается читалка', '');
    expect(ack.language).toBe('ru');
    expect(ticket.missingDetails).toContain('description');
    expect(ack.text_body).toContain('описание проблемы: что происходит и чего вы ожидали');
  });

  it('P2, P5: like any missing detail, a missing description leaves the request owed its response, under a running clock', async () => {
    const { ticket } = await fileByMail(4, 'Only a subject again', '');
    await waitFor('sla-timer has the clock', async () => {
      const response = await platform.client.http().get(`/v1/tickets/${ticket.id}/sla`).auth(agent, { type: 'bearer' });
      return response.status === 200 && (response.body.clocks as unknown[]).length === 1;
    });
    const sla = await platform.client.http().get(`/v1/tickets/${ticket.id}/sla`).auth(agent, { type: 'bearer' });
    expect(sla.body.clocks).toEqual([expect.objectContaining({ level: 'standard', status: 'running', open: true, startedBy: 'created', owedBy: 'support', targetMs: 12 * HOUR })]);
  });

  it("P2: the requester's next words describe it: a colleague's mail does not, the requester's reply does, once", async () => {
    const { ticket } = await fileByMail(6, 'Only a subject, then a reply', '');
    const reply = async (from: string, n: number, text: string) => {
      const raw = Buffer.from([`From: ${from}`, 'To: support@tss.test', `Subject: Re: [${ticket.reference}] Request received`, `Message-ID: <reply-${n}@gamma.example>`, '', text, ''].join('\r\n'));
      const receipt = await platform.client.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(raw);
      expect(receipt.body).toMatchObject({ outcome: 'threaded', ticketId: ticket.id });
      await waitFor(`reply ${n} on the thread`, async () => (await platform.query('ticket-intake', 'SELECT 1 FROM ticket_intake.messages WHERE email_message_id = $1', [`<reply-${n}@gamma.example>`])).length === 1);
      return (await platform.client.http().get(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' })).body as TicketBody;
    };
    // Another sender of the partner's domain is threaded (docs/adr/0035), but the description is the requester's to give.
    expect(await reply('Colleague <colleague@gamma.example>', 61, 'I think it is the Reader.')).toMatchObject({ description: '', missingDetails: expect.arrayContaining(['description']) });
    const described = await reply(requester(6), 62, 'Reader 4.2 crashes when I open an EPUB from the library.');
    expect(described.description).toBe('Reader 4.2 crashes when I open an EPUB from the library.');
    expect(described.missingDetails).toEqual(['product', 'productVersion', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion']);
    expect((await reply(requester(6), 63, 'Also on Windows 11.')).description).toBe('Reader 4.2 crashes when I open an EPUB from the library.');
    const history = await platform.client.http().get(`/v1/tickets/${ticket.id}/history`).auth(agent, { type: 'bearer' });
    const received = (history.body.items as { action: string; detail: Record<string, unknown> }[]).filter((e) => e.action === 'message_received');
    expect(received.map((e) => e.detail.describes)).toEqual([undefined, true, undefined]);
  });

  // An outside tester: a reply whose only text was a quote header or a signature became the description (docs/adr/0035, fifth session).
  it('P2: a reply with no words of its own (a quote header, a signature) is threaded but describes nothing; the next reply with words does', async () => {
    const { ticket } = await fileByMail(7, 'Only a subject, then replies of nothing', '');
    const reply = async (n: number, text: string) => {
      const raw = Buffer.from([`From: ${requester(7)}`, 'To: support@tss.test', `Subject: Re: [${ticket.reference}] Request received`, `Message-ID: <reply-${n}@gamma.example>`, '', text, ''].join('\r\n'));
      const receipt = await platform.client.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(raw);
      expect(receipt.body).toMatchObject({ outcome: 'threaded', ticketId: ticket.id });
      await waitFor(`reply ${n} on the thread`, async () => (await platform.query('ticket-intake', 'SELECT 1 FROM ticket_intake.messages WHERE email_message_id = $1', [`<reply-${n}@gamma.example>`])).length === 1);
      return (await platform.client.http().get(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' })).body as TicketBody;
    };
    const quoted = `> Your request was registered with reference number ${ticket.reference}.`;
    for (const [n, text] of [
      [71, `On Sat, 5 Dec 2026 support wrote:\r\n${quoted}`],
      [72, 'Sent from my iPhone'],
      [73, `On Sat, 5 Dec 2026 at 14:00, Technical support <support@tss.local> wrote:\r\n${quoted}`],
    ] as const) {
      expect(await reply(n, text)).toMatchObject({ description: '', missingDetails: expect.arrayContaining(['description']) });
    }
    // Threaded as before: each is on the thread with what notification kept of it.
    const thread = await platform.client.http().get(`/v1/tickets/${ticket.id}/thread`).auth(agent, { type: 'bearer' });
    const bodies = (thread.body.items as { body: string }[]).map((m) => m.body);
    expect(bodies).toEqual(expect.arrayContaining(['On Sat, 5 Dec 2026 support wrote:', 'Sent from my iPhone', 'On Sat, 5 Dec 2026 at 14:00, Technical support <support@tss.local> wrote:']));
    const described = await reply(74, `Reader 4.2 crashes when I open an EPUB.\r\n\r\nOn Sat, 5 Dec 2026 support wrote:\r\n${quoted}`);
    expect(described.description).toBe('Reader 4.2 crashes when I open an EPUB.');
    expect(described.missingDetails).not.toContain('description');
    const history = await platform.client.http().get(`/v1/tickets/${ticket.id}/history`).auth(agent, { type: 'bearer' });
    const received = (history.body.items as { action: string; detail: Record<string, unknown> }[]).filter((e) => e.action === 'message_received');
    expect(received.map((e) => e.detail.describes)).toEqual([undefined, undefined, undefined, true]);
  });

  /**
   * An outside tester (sixth session): a new mail whose only text was a signature ("Sent from my
   * iPhone", "-- \nOlga", "Отправлено с iPhone") or a quote header with its quoted lines became the
   * description as it came. Mailed over SMTP, the whole path: listener, notification, intake.
   */
  describe('a mail with no words of its own, over SMTP (docs/adr/0035, addendum of 2026-12-05, sixth session)', () => {
    /** Sends a mail of `text` over SMTP; answers the ticket it filed, its thread and its acknowledgment. */
    const mailBySmtp = async (from: string, messageId: string, subject: string, text: string) => {
      const raw = Buffer.from(
        [`From: ${from}`, 'To: support@tss.test', `Subject: =?utf-8?B?${Buffer.from(subject).toString('base64')}?=`, `Message-ID: ${messageId}`, 'Content-Type: text/plain; charset=utf-8', '', text, ''].join('\r\n'),
      );
      const address = /<(.+)>/.exec(from)?.[1] ?? from;
      const sent = (await mta.sendMail({ envelope: { from: address, to: ['support@tss.test'] }, raw })) as { response: string };
      return sent.response;
    };
    const filedBySmtp = async (n: number, subject: string, text: string) => {
      const messageId = `<no-words-${n}@gamma.example>`;
      expect(await mailBySmtp(requester(n), messageId, subject, text)).toContain('Received: new_ticket');
      const ticketId = await waitFor(`the ticket of ${messageId}`, async () => {
        const rows = await platform.query<{ ticket_id: string }>('ticket-intake', 'SELECT ticket_id::text AS ticket_id FROM ticket_intake.messages WHERE email_message_id = $1', [messageId]);
        return rows[0]?.ticket_id;
      });
      return filedTicket(ticketId);
    };
    const filedTicket = async (ticketId: string) => {
      const ack = await waitFor(`the acknowledgment of ${ticketId}`, async () => {
        const rows = await platform.query<AckRow>('notification', `SELECT subject, text_body, html_body, language FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`, [ticketId]);
        return rows[0];
      });
      const ticket = (await platform.client.http().get(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' })).body as TicketBody;
      const thread = (await platform.client.http().get(`/v1/tickets/${ticketId}/thread`).auth(agent, { type: 'bearer' })).body as ThreadBody;
      return { ticket, thread, ack };
    };
    const ALL_MISSING = ['product', 'productVersion', 'description', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion'];

    it.each([
      ['a phone signature', 81, 'Sent from my iPhone'],
      ['a signature block', 82, '-- \r\nOlga'],
      ['a quote header and quoted lines', 83, 'On Fri, 4 Dec 2026 Bob <bob@customer.example> wrote:\r\n> Can you ask support why the reader crashes?'],
    ])('P2: a new mail of %s is filed whole on the thread, but describes nothing: the description is empty, missing and asked for', async (_case, n, text) => {
      const { ticket, thread, ack } = await filedBySmtp(n, 'Reader', text);
      expect(ticket).toMatchObject({ subject: 'Reader', description: '', status: 'new', responseOwed: true });
      expect(ticket.missingDetails).toEqual(ALL_MISSING);
      expect(ack.text_body).toContain('a description of the problem: what happens, and what you expected instead');
      // The thread keeps what came, in the requester's name, after the filing note.
      expect(thread.request.description).toBe('');
      expect(thread.items.map((m) => [m.author.kind, m.body])).toEqual([
        ['system', 'Filed from your e-mail.'],
        ['requester', text.replace(/\r\n/g, '\n')],
      ]);
    });

    it('P2: a Russian mail of only "Отправлено с iPhone" is asked for its description in Russian', async () => {
      const { ticket, ack } = await filedBySmtp(84, 'Читалка не открывается', 'Отправлено с iPhone');
      expect(ack.language).toBe('ru');
      expect(ticket).toMatchObject({ description: '', language: 'ru' });
      expect(ticket.missingDetails).toContain('description');
      expect(ack.text_body).toContain('описание проблемы: что происходит и чего вы ожидали');
    });

    it("P2: the requester's next reply with words of its own describes it, once", async () => {
      const { ticket } = await filedBySmtp(85, 'Reader', 'Sent from my iPhone');
      const reply = async (n: number, text: string) => {
        const messageId = `<no-words-reply-${n}@gamma.example>`;
        expect(await mailBySmtp(requester(85), messageId, `Re: [${ticket.reference}] Request received: Reader`, text)).toContain('Received: threaded');
        await waitFor(`reply ${n} on the thread`, async () => (await platform.query('ticket-intake', 'SELECT 1 FROM ticket_intake.messages WHERE email_message_id = $1', [messageId])).length === 1);
        return (await platform.client.http().get(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' })).body as TicketBody;
      };
      expect((await reply(1, 'Sent from my iPhone')).description).toBe('');
      const described = await reply(2, 'Reader 4.2 crashes when I open an EPUB.\r\n\r\nSent from my iPhone');
      expect(described.description).toBe('Reader 4.2 crashes when I open an EPUB.');
      expect(described.missingDetails).not.toContain('description');
      expect((await reply(3, 'Also on Windows 11.')).description).toBe('Reader 4.2 crashes when I open an EPUB.');
    });

    it('P9: particulars in quoted lines that describe nothing are vaulted: the thread keeps them masked, and says so', async () => {
      const { ticket, thread } = await filedBySmtp(87, 'Reader login', 'On Fri, 4 Dec 2026 Bob <bob@customer.example> wrote:\r\n> The reader login: bob password: Bob#Pw-8812');
      expect(ticket.description).toBe('');
      expect(thread.items.map((m) => m.author.kind)).toEqual(['system', 'requester', 'system']);
      expect(thread.items[1].body).toContain('On Fri, 4 Dec 2026 Bob <bob@customer.example> wrote:');
      expect(thread.items[2].body).toContain('vault');
      expect(JSON.stringify({ ticket, thread })).not.toContain('Bob#Pw-8812');
    });

    // An outside tester (sixth session): the follow-up of a reply of only «Отправлено с iPhone» had no
    // description; the requester's "not solved" rating of the closed ticket with a comment then became
    // it whole, our line included: `<comment>\n\n(Моя оценка обращения TSS-…: проблема не решена.)`.
    it('P2, P11: a "not solved" rating on a follow-up with no description describes it by its comment alone, and nothing without one', async () => {
      const { ticket: first } = await filedBySmtp(88, 'Читалка падает', 'Читалка 4.2 падает при открытии EPUB.');
      await waitFor('the request accepted', async () => (await platform.query('ticket-intake', 'SELECT 1 FROM ticket_intake.tickets WHERE id = $1 AND accepted_at IS NOT NULL', [first.id])).length === 1);
      for (const status of ['resolved', 'closed']) {
        const etag = (await platform.client.http().get(`/v1/tickets/${first.id}`).auth(agent, { type: 'bearer' })).headers.etag as string;
        expect((await platform.client.http().patch(`/v1/tickets/${first.id}`).auth(agent, { type: 'bearer' }).set('if-match', etag).send({ status })).status).toBe(200);
      }
      await waitFor('notification knows it closed', async () =>
        (await platform.query('notification', 'SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1 AND ticket_closed_at IS NOT NULL', [first.id])).length > 0,
      );
      const messageId = '<no-words-rated@gamma.example>';
      const raw = Buffer.from(
        [`From: ${requester(88)}`, 'To: support@tss.test', `Subject: =?utf-8?B?${Buffer.from(`Re: [${first.reference}] Решено`).toString('base64')}?=`, `Message-ID: ${messageId}`, 'Content-Type: text/plain; charset=utf-8', '', 'Отправлено с iPhone', ''].join('\r\n'),
      );
      const receipt = await platform.client.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(raw);
      expect(receipt.body).toMatchObject({ outcome: 'follow_up', followUpOf: first.reference });
      const followUpId = await waitFor('the follow-up', async () => {
        const rows = await platform.query<{ id: string }>('ticket-intake', 'SELECT id::text AS id FROM ticket_intake.tickets WHERE linked_ticket_id = $1', [first.id]);
        return rows[0]?.id;
      });
      expect((await filedTicket(followUpId)).ticket).toMatchObject({ description: '', language: 'ru' });

      /** The requester's "not solved" rating of the closed ticket, as the rating service publishes it; resolves once intake handled it. */
      const ratedNotSolved = async (comment?: string) => {
        const rating = platform.running.platform.host('rating');
        const event = await rating.unitOfWork.run((tx) =>
          rating.outbox.add(tx, RatingSubmittedV1, first.id, { partnerId, surveyId: randomUUID(), score: 2, solved: false, ...(comment ? { comment } : {}), submittedAt: platform.clock.now().toISOString() }),
        );
        await platform.handledBy('ticket-intake', event.id);
        return filedTicket(followUpId);
      };
      const line = `Моя оценка обращения ${first.reference}: проблема не решена.`;
      // Without a comment the rating is on the thread, but describes nothing: the description is still asked for.
      const uncommented = await ratedNotSolved();
      expect(uncommented.ticket.description).toBe('');
      expect(uncommented.ticket.missingDetails).toContain('description');
      expect(uncommented.thread.items.map((m) => m.body)).toContain(line);
      // With one, its comment describes the request; the thread shows the message whole.
      const commented = await ratedNotSolved('Всё так же падает на любом EPUB 3.');
      expect(commented.ticket.description).toBe('Всё так же падает на любом EPUB 3.');
      expect(commented.ticket.missingDetails).not.toContain('description');
      expect(commented.thread.request.description).toBe('Всё так же падает на любом EPUB 3.');
      expect(commented.thread.items.map((m) => m.body)).toContain(`Всё так же падает на любом EPUB 3.\n\n(${line})`);
      const history = await platform.client.http().get(`/v1/tickets/${followUpId}/history`).auth(agent, { type: 'bearer' });
      const received = (history.body.items as { action: string; detail: Record<string, unknown> }[]).filter((e) => e.action === 'message_received');
      expect(received.map((e) => e.detail.describes)).toEqual([undefined, true]);
    });

    it('P2, P11: a reply of only a signature to a closed ticket files a follow-up with no description, asked for', async () => {
      const { ticket: first } = await filedBySmtp(86, 'Reader', 'Reader 4.2 crashes when I open an EPUB.');
      // P3: its acknowledgment accepts it (a change of the ticket), before an agent works it.
      await waitFor('the request accepted', async () => (await platform.query('ticket-intake', 'SELECT 1 FROM ticket_intake.tickets WHERE id = $1 AND accepted_at IS NOT NULL', [first.id])).length === 1);
      for (const status of ['resolved', 'closed']) {
        const etag = (await platform.client.http().get(`/v1/tickets/${first.id}`).auth(agent, { type: 'bearer' })).headers.etag as string;
        expect((await platform.client.http().patch(`/v1/tickets/${first.id}`).auth(agent, { type: 'bearer' }).set('if-match', etag).send({ status })).status).toBe(200);
      }
      const messageId = '<no-words-follow-up@gamma.example>';
      expect(await mailBySmtp(requester(86), messageId, `Re: [${first.reference}] Closed`, 'Sent from my iPhone')).toContain('Received: follow-up of closed ticket');
      const followUpId = await waitFor('the follow-up', async () => {
        const rows = await platform.query<{ id: string }>('ticket-intake', 'SELECT id::text AS id FROM ticket_intake.tickets WHERE linked_ticket_id = $1', [first.id]);
        return rows[0]?.id;
      });
      const { ticket, thread, ack } = await filedTicket(followUpId);
      expect(ticket.description).toBe('');
      expect(ticket.missingDetails).toContain('description');
      expect(ack.text_body).toContain('a description of the problem: what happens, and what you expected instead');
      expect(thread.items.map((m) => m.body)).toContain('Sent from my iPhone');
    });
  });

  it('P2: a mail with text is described: the description is its text and is not listed missing', async () => {
    const { ticket } = await fileByMail(5, 'Reader crashes', 'Reader 4.2 crashes when I open an EPUB.');
    expect(ticket.description).toBe('Reader 4.2 crashes when I open an EPUB.');
    expect(ticket.missingDetails).not.toContain('description');
  });
});
