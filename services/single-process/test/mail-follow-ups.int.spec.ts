import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NotificationEmailReceivedV1, type EventData } from '@tss/contracts';
import type { InboundMessage } from '@tss/messaging';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SECRET = 'inbound-secret-0123456789';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

type ThreadItem = { body: string; author: { kind: string; id?: string; name?: string }; attachmentIds?: string[] };

/**
 * P8/P11: a mail replying to a closed ticket (or to a resolved one past its reopen window) goes to
 * the ticket's one open follow-up, as "not solved" through the API and the rating page does: three
 * mails filed three tickets, each acknowledged with an SLA clock of its own (docs/adr/0029 and
 * 0035, addenda of 2026-12-04, fourth session).
 */
describe('mail replies to a closed ticket: one open follow-up (P8, P11)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let blobRoot: string;
  let partner: { token: string; partnerId: string };
  let agent: string;
  const clock = new TestClock('2026-03-02T09:00:00.000Z');

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-mail-follow-ups-'));
    platform = await startTestPlatform('mail_follow_ups', { clock, env: { MAIL_INBOUND_SECRET: SECRET, ATTACHMENT_DIR: blobRoot } });
    client = platform.client;
    const admin = await platform.adminToken();
    partner = await client.partner(admin, 'Acme Mail Follow-ups');
    await platform.partnerKnownToNotification(partner.partnerId);
    // The partner's people write from this domain: a colleague of the requester is one of them.
    expect((await client.http().put('/v1/inbound/partner-domains/acme-mail.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
    agent = (await client.staff(admin, ['agent'], 'Fay Agent')).token;
  });

  afterAll(async () => {
    await platform?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  const http = () => client.http();
  const etagOf = async (id: string) => (await http().get(`/v1/tickets/${id}`).auth(agent, { type: 'bearer' })).headers.etag as string;
  const moveTo = async (id: string, status: 'resolved' | 'closed') => {
    const response = await http().patch(`/v1/tickets/${id}`).auth(agent, { type: 'bearer' }).set('if-match', await etagOf(id)).send({ status });
    expect(response.status).toBe(200);
  };
  /** A ticket of `email`'s, resolved and closed, once notification knows its reference (its acknowledgment) and that it closed. */
  const closedTicket = async (email: string) => {
    const created = await http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket({ requester: { email } }));
    expect(created.status).toBe(201);
    const ticket = created.body as { id: string; reference: string };
    await waitFor('notification knows its reference', async () => (await platform.query('notification', 'SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1', [ticket.id])).length > 0);
    await moveTo(ticket.id, 'resolved');
    await moveTo(ticket.id, 'closed');
    // The receipt says `follow_up` once notification knows the ticket closed (`ticket.closed`); before,
    // it threads the mail onto the ticket it names, and intake files the follow-up all the same.
    await waitFor('notification knows it closed', async () => (await platform.query('notification', 'SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1 AND ticket_closed_at IS NOT NULL', [ticket.id])).length > 0);
    return ticket;
  };
  /** A mail naming `reference` in its subject, with `files` attached. */
  const mail = (from: string, reference: string, messageId: string, text: string, files: readonly { name: string; bytes: Buffer }[] = []) =>
    Buffer.from(
      [
        `From: ${from}`,
        'To: support@tss.test',
        `Subject: Re: [${reference}] Reader crashes`,
        `Message-ID: <${messageId}>`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain',
        '',
        text,
        ...files.flatMap((f) => ['--B', 'Content-Type: image/png', `Content-Disposition: attachment; filename="${f.name}"`, 'Content-Transfer-Encoding: base64', '', f.bytes.toString('base64')]),
        '--B--',
        '',
      ].join('\r\n'),
    );
  /** Sends the mail through the inbound route and waits until intake has it (threaded, or filed). */
  const mailed = async (raw: Buffer, messageId: string) => {
    const response = await http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(raw);
    expect(response.status).toBe(202);
    // P11: these mails name a closed ticket: the receipt says they go to its follow-up, naming no ticket (docs/adr/0035, 2026-12-05).
    expect(response.body).toMatchObject({ outcome: 'follow_up', duplicate: false });
    expect(response.body.ticketId).toBeUndefined();
    await waitFor(`intake has ${messageId}`, async () => (await platform.query('ticket-intake', 'SELECT 1 FROM ticket_intake.messages WHERE email_message_id = $1', [`<${messageId}>`])).length > 0);
  };
  const followUpsOf = async (id: string) =>
    platform.query<{ id: string; status: string; requester_id: string }>(
      'ticket-intake',
      'SELECT id::text AS id, status, requester_id FROM ticket_intake.tickets WHERE linked_ticket_id = $1 ORDER BY received_at, id',
      [id],
    );
  const threadOf = async (id: string) => (await http().get(`/v1/tickets/${id}/thread`).auth(agent, { type: 'bearer' })).body.items as ThreadItem[];

  it('three mails to a closed ticket file one follow-up, acknowledged once; the later two are threaded onto it, attachments and other senders as on any ticket', async () => {
    const closed = await closedTicket('ann@acme-mail.example');
    await mailed(mail('Ann <ann@acme-mail.example>', closed.reference, 'ann-1@acme-mail.example', 'It crashes again since yesterday.'), 'ann-1@acme-mail.example');
    await mailed(mail('ann@acme-mail.example', closed.reference, 'ann-2@acme-mail.example', 'A screenshot of the crash.', [{ name: 'crash.png', bytes: PNG }]), 'ann-2@acme-mail.example');
    // A colleague from the partner's domain: threaded as on any ticket, named by address, not as its requester (domain/mail-author.ts).
    await mailed(mail('bob@acme-mail.example', closed.reference, 'bob-1@acme-mail.example', 'Same here on my machine.'), 'bob-1@acme-mail.example');

    const followUps = await followUpsOf(closed.id);
    expect(followUps).toHaveLength(1);
    const [followUp] = followUps;
    expect(followUp).toMatchObject({ status: 'new', requester_id: 'mail:ann@acme-mail.example' });
    const thread = await threadOf(followUp.id);
    expect(thread.find((m) => m.body.includes('A screenshot of the crash.'))).toMatchObject({ author: { kind: 'requester' }, attachmentIds: [expect.any(String)] });
    expect(thread.find((m) => m.body.includes('Same here on my machine.'))).toMatchObject({ author: { kind: 'email_sender', name: 'bob@acme-mail.example' } });
    const attachments = (await http().get(`/v1/tickets/${followUp.id}/attachments`).auth(agent, { type: 'bearer' })).body as { items: { fileName: string }[] };
    expect(attachments.items.map((a) => a.fileName)).toEqual(['crash.png']);
    // P3: the follow-up is acknowledged, once; nothing else was filed (bob has no ticket of his own).
    await waitFor('the follow-up acknowledged', async () => (await platform.query('notification', `SELECT 1 FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`, [followUp.id])).length === 1);
    expect(await platform.query('ticket-intake', `SELECT 1 FROM ticket_intake.tickets WHERE requester_id = 'mail:bob@acme-mail.example'`)).toHaveLength(0);
  });

  it('a follow-up filed by "not solved" takes the mail too; once it is resolved, the next mail files a new one', async () => {
    const closed = await closedTicket('cleo@acme-mail.example');
    const reopened = await http().post(`/v1/tickets/${closed.id}/reopen`).auth(partner.token, { type: 'bearer' }).send({ reason: 'Still broken' });
    expect(reopened.status).toBe(201);
    const byApi = reopened.body.ticket.id as string;
    await mailed(mail('cleo@acme-mail.example', closed.reference, 'cleo-1@acme-mail.example', 'More details: it fails on EPUB 3 only.'), 'cleo-1@acme-mail.example');
    expect((await followUpsOf(closed.id)).map((f) => f.id)).toEqual([byApi]);
    expect((await threadOf(byApi)).find((m) => m.body.includes('it fails on EPUB 3 only'))).toMatchObject({ author: { kind: 'requester' } });

    await moveTo(byApi, 'resolved');
    await mailed(mail('cleo@acme-mail.example', closed.reference, 'cleo-2@acme-mail.example', 'It came back after the update.'), 'cleo-2@acme-mail.example');
    expect((await followUpsOf(closed.id)).map((f) => f.status)).toEqual(['resolved', 'new']);
  });

  // An outside test: the requester answered the "Closed" mail of an out-of-scope closure; the
  // follow-up's acknowledgment had no In-Reply-To, the subject "[TSS-NEW] Request received: Re:
  // [TSS-OLD] Closed: outside technical support", and the SMTP answer said "threaded"
  // (docs/adr/0035, addendum of 2026-12-04, sixth session).
  it('a reply to the "Closed" mail files a follow-up acknowledged as an answer to it, under the original subject, naming the request it follows up', async () => {
    const created = await http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket({ subject: 'Reader crashes on opening EPUB', requester: { email: 'erik@acme-mail.example' } }));
    expect(created.status).toBe(201);
    const old = created.body as { id: string; reference: string };
    await waitFor('notification knows its reference', async () => (await platform.query('notification', 'SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1', [old.id])).length > 0);
    const closed = await http()
      .patch(`/v1/tickets/${old.id}`)
      .auth(agent, { type: 'bearer' })
      .set('if-match', await etagOf(old.id))
      .send({ status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } });
    expect(closed.status).toBe(200);
    const closedMail = await waitFor('the "Closed" mail', async () =>
      (await platform.query<{ message_id: string; subject: string }>('notification', `SELECT message_id, subject FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'closed_out_of_scope'`, [old.id]))[0],
    );
    const reply = Buffer.from(
      [
        'From: Erik <erik@acme-mail.example>',
        'To: support@tss.test',
        `Subject: Re: ${closedMail.subject}`,
        'Message-ID: <erik-1@acme-mail.example>',
        `In-Reply-To: ${closedMail.message_id}`,
        `References: ${closedMail.message_id}`,
        '',
        'It is not malware: a freshly installed machine crashes too.',
        '',
      ].join('\r\n'),
    );
    const response = await http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(reply);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ outcome: 'follow_up', followUpOf: old.reference });

    const [followUp] = await waitFor('the follow-up filed', async () => {
      const rows = await followUpsOf(old.id);
      return rows.length > 0 ? rows : undefined;
    });
    const ack = await waitFor('the follow-up acknowledged', async () =>
      (
        await platform.query<{ subject: string; in_reply_to: string | null; text_body: string }>(
          'notification',
          `SELECT subject, in_reply_to, text_body FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`,
          [followUp.id],
        )
      )[0],
    );
    const reference = ((await http().get(`/v1/tickets/${followUp.id}`).auth(agent, { type: 'bearer' })).body as { reference: string }).reference;
    expect({ subject: ack.subject, inReplyTo: ack.in_reply_to }).toEqual({ subject: `[${reference}] Request received: Reader crashes on opening EPUB`, inReplyTo: '<erik-1@acme-mail.example>' });
    expect(ack.text_body).toContain(`This request follows up the earlier request ${old.reference}.`);
  });

  // An outside test: Bob's ticket filed by API (platform 7.1) was resolved and closed; his reply to
  // the resolved mail filed a follow-up with no product and no version, whose acknowledgment asked
  // for both again, where a follow-up filed by POST …/reopen keeps the request (docs/adr/0029).
  it("a mail's follow-up keeps the request it follows up (product, version, environment), in the mail's own words, and its acknowledgment asks only for what that request lacked", async () => {
    const filed = await http()
      .post('/v1/tickets')
      .auth(partner.token, { type: 'bearer' })
      .send(
        sampleTicket({
          product: 'platform',
          productVersion: '7.1',
          subject: 'Catalogue export fails',
          description: 'The catalogue export stops at 50%.',
          stepsToReproduce: 'Open Catalogue, press Export.',
          browser: 'Chrome 131',
          operatingSystem: 'Windows',
          operatingSystemVersion: '11 23H2',
          connectivity: 'Office LAN behind a proxy',
          requester: { email: 'bob@acme-mail.example', name: 'Bob' },
        }),
      );
    expect(filed.status).toBe(201);
    const old = filed.body as { id: string; reference: string };
    await moveTo(old.id, 'resolved');
    const resolvedMail = await waitFor('the resolved mail', async () =>
      (await platform.query<{ message_id: string; subject: string }>('notification', `SELECT message_id, subject FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'resolved'`, [old.id]))[0],
    );
    await moveTo(old.id, 'closed');
    // The answer names the follow-up once notification has read the closure (ticket.closed).
    await waitFor('notification knows it closed', async () =>
      (await platform.query('notification', 'SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1 AND ticket_closed_at IS NOT NULL', [old.id])).length > 0,
    );
    const reply = Buffer.from(
      [
        'From: Bob <bob@acme-mail.example>',
        'To: support@tss.test',
        `Subject: Re: ${resolvedMail.subject}`,
        'Message-ID: <bob-after-window@acme-mail.example>',
        `In-Reply-To: ${resolvedMail.message_id}`,
        `References: ${resolvedMail.message_id}`,
        '',
        'The export fails again since the last update.',
        '',
      ].join('\r\n'),
    );
    const response = await http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(reply);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ outcome: 'follow_up', followUpOf: old.reference });

    const [row] = await waitFor('the follow-up filed', async () => {
      const rows = await followUpsOf(old.id);
      return rows.length > 0 ? rows : undefined;
    });
    const followUp = (await http().get(`/v1/tickets/${row.id}`).auth(agent, { type: 'bearer' })).body as Record<string, unknown>;
    expect(followUp).toMatchObject({
      linkedTicketId: old.id,
      channel: 'email',
      product: 'platform',
      productVersion: '7.1',
      stepsToReproduce: 'Open Catalogue, press Export.',
      browser: 'Chrome 131',
      operatingSystem: 'Windows',
      operatingSystemVersion: '11 23H2',
      connectivity: 'Office LAN behind a proxy',
      // The mail's own words, under the request's subject, from the mail's sender.
      subject: 'Catalogue export fails',
      description: 'The export fails again since the last update.',
      requester: { email: 'bob@acme-mail.example', name: 'Bob' },
      missingDetails: [],
    });
    const ack = await waitFor('the follow-up acknowledged', async () =>
      (await platform.query<{ text_body: string }>('notification', `SELECT text_body FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`, [row.id]))[0],
    );
    expect(ack.text_body).not.toContain('please tell us');
  });

  // An outside tester (2026-12-05, sixth session): a Russian requester's "Отправлено с iPhone" in
  // reply to the «Решено» mail of a closed Russian ticket filed an English follow-up: "Re" and our
  // reference outnumbered the reply's Cyrillic letters. Its acknowledgment, later mail and page were English.
  it("P11: a follow-up filed by mail keeps the language of the request it follows up, whatever the reply's letters", async () => {
    /** A Russian request with no subject of its own (our subjects then end at the lead), resolved and closed; its resolved mail. */
    const closedRussian = async (email: string) => {
      const filed = await http()
        .post('/v1/tickets')
        .auth(partner.token, { type: 'bearer' })
        .send({ ...sampleTicket({ description: 'Читалка закрывается при открытии EPUB.', requester: { email } }), subject: undefined, language: 'ru' });
      expect(filed.status).toBe(201);
      const old = filed.body as { id: string; reference: string };
      await moveTo(old.id, 'resolved');
      const resolvedMail = await waitFor('the resolved mail', async () =>
        (await platform.query<{ message_id: string; subject: string }>('notification', `SELECT message_id, subject FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'resolved'`, [old.id]))[0],
      );
      await moveTo(old.id, 'closed');
      await waitFor('notification knows it closed', async () =>
        (await platform.query('notification', 'SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1 AND ticket_closed_at IS NOT NULL', [old.id])).length > 0,
      );
      return { old, resolvedMail };
    };
    /** Replies to `resolvedMail` with `text` through the inbound route; answers the follow-up as an agent reads it, and its acknowledgment. */
    const replied = async (email: string, n: number, resolvedMail: { message_id: string; subject: string }, old: { id: string }, text: string) => {
      const messageId = `olga-${n}@acme-mail.example`;
      const reply = Buffer.from(
        [
          `From: ${email}`,
          'To: support@tss.test',
          `Subject: =?utf-8?B?${Buffer.from(`Re: ${resolvedMail.subject}`).toString('base64')}?=`,
          `Message-ID: <${messageId}>`,
          `In-Reply-To: ${resolvedMail.message_id}`,
          'Content-Type: text/plain; charset=utf-8',
          '',
          text,
          '',
        ].join('\r\n'),
      );
      await mailed(reply, messageId);
      const [row] = await followUpsOf(old.id);
      const ack = await waitFor('the follow-up acknowledged', async () =>
        (await platform.query<{ language: string; text_body: string }>('notification', `SELECT language, text_body FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`, [row.id]))[0],
      );
      const followUp = (await http().get(`/v1/tickets/${row.id}`).auth(agent, { type: 'bearer' })).body as { language: string };
      return { followUp, ack };
    };

    const first = await closedRussian('olga@acme-mail.example');
    // The tester's request, filed by mail, had no subject: our resolved mail's subject was the reference and the lead alone.
    first.resolvedMail.subject = `[${first.old.reference}] Решено`;
    const signature = await replied('olga@acme-mail.example', 1, first.resolvedMail, first.old, 'Отправлено с iPhone');
    expect({ language: signature.followUp.language, ack: signature.ack.language }).toEqual({ language: 'ru', ack: 'ru' });
    expect(signature.ack.text_body).toContain(`Это обращение продолжает прежнее обращение ${first.old.reference}.`);

    // Nor does a reply in Latin letters: the request it follows up is Russian, and so is its follow-up.
    const second = await closedRussian('olga2@acme-mail.example');
    const latin = await replied('olga2@acme-mail.example', 2, second.resolvedMail, second.old, 'Still crashes with Reader 4.2.1 on every EPUB 3 file from the library.');
    expect({ language: latin.followUp.language, ack: latin.ack.language }).toEqual({ language: 'ru', ack: 'ru' });
  });

  it('two mails handled at once, in two transactions (two consumer replicas), file one follow-up and thread the other onto it', async () => {
    const closed = await closedTicket('dora@acme-mail.example');
    const intake = platform.running.platform.host('ticket-intake');
    const eventOf = (n: number): InboundMessage => {
      const data: EventData<typeof NotificationEmailReceivedV1> = {
        partnerId: partner.partnerId,
        ticketId: closed.id,
        messageId: `<dora-at-once-${n}@acme-mail.example>`,
        from: 'dora@acme-mail.example',
        subject: `Re: [${closed.reference}] Reader crashes`,
        text: `Still crashing (mail ${n}).`,
        attachmentPointers: [],
        receivedAt: clock.now().toISOString(),
      };
      return {
        topic: NotificationEmailReceivedV1.topic,
        key: closed.id,
        raw: { value: null, headers: {} },
        event: {
          specversion: '1.0',
          id: randomUUID(),
          source: 'notification',
          type: NotificationEmailReceivedV1.type,
          time: clock.now().toISOString(),
          subject: closed.id,
          datacontenttype: 'application/json',
          dataschema: `urn:tss:event:${NotificationEmailReceivedV1.type}:v1`,
          data,
        },
      };
    };
    // Another transaction holds the closed ticket's row until both handlers have started and each
    // either waits on a lock or is done: they overlap in PostgreSQL, whatever the event loop does.
    const holder = intake.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    const handlers: { pid?: number; done: boolean }[] = [{ done: false }, { done: false }];
    try {
      await holder.query('SELECT 1 FROM ticket_intake.tickets WHERE id = $1 FOR UPDATE', [closed.id]);
      const both = Promise.all(
        handlers.map((handler, n) =>
          intake.unitOfWork
            .run(async (tx) => {
              handler.pid = ((await tx.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[])[0].pid;
              return intake.consumer.applyOnce(tx, eventOf(n + 1));
            })
            .finally(() => {
              handler.done = true;
            }),
        ),
      );
      await waitFor('both handlers waiting on a lock, or done', async () => {
        const pids = handlers.filter((h) => !h.done).map((h) => h.pid);
        if (pids.includes(undefined)) return false;
        const waiting = await platform.query('ticket-intake', `SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND wait_event_type = 'Lock'`, [pids]);
        return waiting.length === pids.length;
      });
      await holder.commitTransaction();
      expect((await both).map((outcome) => outcome.ok && outcome.value)).toEqual(['handled', 'handled']);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }

    const followUps = await followUpsOf(closed.id);
    expect(followUps).toHaveLength(1);
    const threaded = (await threadOf(followUps[0].id)).filter((m) => m.body.startsWith('Still crashing'));
    expect(threaded).toEqual([expect.objectContaining({ author: expect.objectContaining({ kind: 'requester' }) })]);
  });
});
