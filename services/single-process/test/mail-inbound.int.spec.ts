import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NotificationEmailReceivedV1, PartnerUpdatedV1 } from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SECRET = 'inbound-secret-0123456789';
const FIXTURES = path.join(__dirname, '../../notification/test/fixtures/mail');

/** A corpus mail (services/notification/test/fixtures/mail) replying to the acknowledgment of `reference`. */
const corpusMail = async (file: string, values: { reference?: string; ackMessageId?: string } = {}): Promise<Buffer> => {
  const reference = values.reference ?? 'TSS-00000-00000';
  return Buffer.from(
    (await readFile(path.join(FIXTURES, file)))
      .toString('latin1')
      .replaceAll('{{REFERENCE}}', reference)
      .replaceAll('{{MISTYPED_REFERENCE}}', reference.slice(0, -1) + (reference.endsWith('0') ? '1' : '0'))
      .replaceAll('{{ACK_MESSAGE_ID}}', values.ackMessageId ?? '<unknown@nowhere.example>'),
    'latin1',
  );
};

type Receipt = { inboundId: string; outcome: string; duplicate: boolean; ticketId?: string; reason?: string };

// Issue #11 "E-mail in" (P8), through the HTTP edge, on real PostgreSQL, with mailparser.
describe('inbound e-mail (P8, issue #11)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let blobRoot: string;
  let admin: string;
  let partner: { token: string; partnerId: string };
  let agent: string;

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-inbound-mail-'));
    platform = await startTestPlatform('mail_inbound', { env: { MAIL_INBOUND_SECRET: SECRET, ATTACHMENT_DIR: blobRoot, MAIL_INBOUND_TRUSTED_AUTHSERV_ID: 'mx.tss.test' } });
    client = platform.client;
    admin = await platform.adminToken();
    partner = await client.partner(admin, 'Acme Inbound');
    // Admins give mail domains only to partners notification knows (docs/adr/0035, addendum of 2026-12-04, third session).
    await platform.partnerKnownToNotification(partner.partnerId);
    agent = (await client.staff(admin, ['agent'])).token;
  });

  afterAll(async () => {
    await platform?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  const post = (raw: Buffer, secret: string | null = SECRET, contentType = 'message/rfc822') => {
    const request = client.http().post('/v1/inbound/email').set('content-type', contentType);
    return (secret === null ? request : request.set('x-tss-inbound-secret', secret)).send(raw);
  };
  const receive = async (raw: Buffer): Promise<Receipt> => {
    const response = await post(raw);
    expect(response.status).toBe(202);
    return response.body as Receipt;
  };
  /** A ticket with a requester e-mail (and id, if given), and the Message-ID of its acknowledgment. */
  const ticketWithAck = async (email: string, requesterId?: string) => {
    const requester = requesterId ? { email, id: requesterId } : { email };
    const created = await client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket({ requester }));
    expect(created.status).toBe(201);
    const ack = await waitFor('the acknowledgment recorded', async () => {
      const rows = await platform.query<{ message_id: string }>('notification', `SELECT message_id FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`, [created.body.id]);
      return rows[0];
    });
    return { id: created.body.id as string, reference: created.body.reference as string, ackMessageId: ack.message_id };
  };
  const threadText = async (ticketId: string) => JSON.stringify((await client.http().get(`/v1/tickets/${ticketId}/thread`).auth(agent, { type: 'bearer' })).body);
  const acknowledgmentsTo = async (email: string) =>
    (await platform.query('notification', `SELECT 1 FROM notification.mail_messages WHERE recipient = $1 AND kind = 'acknowledgment'`, [email])).length;

  it('refuses a call without the shared secret, or with a wrong one, with a 401 problem and its challenge', async () => {
    const raw = await corpusMail('gmail-en-reply.eml');
    for (const secret of [null, 'wrong-secret-0123456789']) {
      const response = await post(raw, secret);
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      // RFC 9110 §15.5.2: a 401 carries WWW-Authenticate; the scheme names the header the secret goes in (docs/auth.md).
      expect(response.headers['www-authenticate']).toBe('TSS-Inbound-Secret realm="tss-inbound-mail"');
    }
    const nothing = await platform.query('notification', 'SELECT 1 FROM notification.inbound_messages');
    expect(nothing).toHaveLength(0);
  });

  it('P8: a Gmail reply threads by In-Reply-To, without its quoted history; the same mail again changes nothing', async () => {
    const ticket = await ticketWithAck('ann@client.example');
    const raw = await corpusMail('gmail-en-reply.eml', ticket);
    const receipt = await receive(raw);
    expect(receipt).toMatchObject({ outcome: 'threaded', ticketId: ticket.id, duplicate: false });

    const thread = await waitFor('the reply in the thread', async () => {
      const text = await threadText(ticket.id);
      return text.includes('EPUB 2 opens fine') ? text : undefined;
    });
    expect(thread).not.toContain('Reply to this message to add to it');

    const again = await receive(raw);
    expect(again).toMatchObject({ outcome: 'threaded', duplicate: true, inboundId: receipt.inboundId });
    const published = await platform.query('notification', `SELECT 1 FROM notification.outbox WHERE event_type = 'notification.email_received' AND message_key = $1`, [ticket.id]);
    expect(published).toHaveLength(1);
  });

  it('P8: a reply naming only the reference in its subject threads by it (text/plain accepted too)', async () => {
    const ticket = await ticketWithAck('erin@client.example');
    const response = await post(await corpusMail('thunderbird-en-subject-only.eml', ticket), SECRET, 'text/plain');
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ outcome: 'threaded', ticketId: ticket.id });
    expect(response.body.reason).toContain(ticket.reference);
    await waitFor('the reply in the thread', async () => (await threadText(ticket.id)).includes('the version is 4.2.1'));
  });

  it('windows-1251 and koi8-r replies arrive as the requester wrote them', async () => {
    // Each from its own requester: mail naming a ticket from another address outside the partner's domains is quarantined.
    const ticket = await ticketWithAck('olga@client.example');
    const petrs = await ticketWithAck('petr@client.example');
    expect(await receive(await corpusMail('outlook-ru-cp1251.eml', ticket))).toMatchObject({ outcome: 'threaded' });
    expect(await receive(await corpusMail('thunderbird-ru-koi8r.eml', petrs))).toMatchObject({ outcome: 'threaded' });
    await waitFor('both replies in their threads', async () =>
      (await threadText(ticket.id)).includes('Проблема повторяется на второй машине.') && (await threadText(petrs.id)).includes('Логи приложил бы'),
    );
    expect(await threadText(petrs.id)).not.toContain('Пётр Сидоров'); // the signature
  });

  it('auto-replies, list mail and bounces open nothing and get no answer', async () => {
    const ticket = await ticketWithAck('frank@client.example');
    for (const file of ['autoreply-out-of-office.eml', 'autoreply-x-autoreply.eml', 'bulk-precedence.eml', 'bounce-delivery-status.eml']) {
      expect(await receive(await corpusMail(file, ticket))).toMatchObject({ outcome: 'ignored' });
    }
    const published = await platform.query('notification', `SELECT 1 FROM notification.outbox WHERE event_type = 'notification.email_received' AND message_key = $1`, [ticket.id]);
    expect(published).toHaveLength(0);
  });

  it('an unknown sender without a reference, or with a mistyped one, is quarantined for agents and never acknowledged', async () => {
    const ticket = await ticketWithAck('someone@client.example');
    const unknown = await receive(await corpusMail('new-request.eml'));
    expect(unknown).toMatchObject({ outcome: 'quarantined' });
    const mistyped = await receive(await corpusMail('mistyped-reference.eml', ticket));
    expect(mistyped).toMatchObject({ outcome: 'quarantined' });
    expect(mistyped.ticketId).toBeUndefined();

    const listed = await client.http().get('/v1/inbound/quarantine').auth(agent, { type: 'bearer' });
    expect(listed.status).toBe(200);
    expect((listed.body as { items: { inboundId: string }[] }).items.map((i) => i.inboundId)).toEqual(expect.arrayContaining([unknown.inboundId, mistyped.inboundId]));
    expect(await acknowledgmentsTo('heidi@partner-domain.example')).toBe(0);
    expect((await client.http().get('/v1/inbound/quarantine').auth(partner.token, { type: 'bearer' })).status).toBe(403);
  });

  // docs/adr/0067: an agent releases a quarantined mail; it then goes the way an accepted mail goes.
  it('a partner’s client writing from gmail.com is quarantined; an agent releases it for the partner: intake files it, the client is acknowledged, the ticket is accepted and the partner’s', async () => {
    const messageId = `<release-${randomUUID()}@gmail.com>`;
    const quarantined = await receive(
      Buffer.from(['From: Gail <gail.client@gmail.com>', 'To: support@tss.test', 'Subject: Player stutters', `Message-ID: ${messageId}`, '', 'The player stutters on every video since 5.1.', ''].join('\r\n')),
    );
    expect(quarantined).toMatchObject({ outcome: 'quarantined' });
    expect(await acknowledgmentsTo('gail.client@gmail.com')).toBe(0);

    const released = await client.http().post(`/v1/inbound/quarantine/${quarantined.inboundId}/release`).auth(agent, { type: 'bearer' }).send({ partnerId: partner.partnerId });
    expect(released.status).toBe(202);
    expect(released.body).toMatchObject({ outcome: 'new_ticket', partnerId: partner.partnerId, releasedBy: expect.any(String) });

    // P3: filed by intake (channel email) and acknowledged as an answer to the released mail.
    const ack = await waitFor('the acknowledgment of the released mail', async () => {
      const rows = await platform.query<{ ticket_id: string; in_reply_to: string }>('notification', `SELECT ticket_id, in_reply_to FROM notification.mail_messages WHERE recipient = $1 AND kind = 'acknowledgment'`, [
        'gail.client@gmail.com',
      ]);
      return rows[0];
    });
    expect(ack.in_reply_to).toBe(messageId);
    const ticket = await waitFor('the ticket accepted', async () => {
      const response = await client.http().get(`/v1/tickets/${ack.ticket_id}`).auth(partner.token, { type: 'bearer' });
      return response.status === 200 && response.body.acceptedAt ? (response.body as { channel: string; requester: { email: string } }) : undefined;
    });
    expect(ticket).toMatchObject({ channel: 'email', requester: expect.objectContaining({ email: 'gail.client@gmail.com' }) });
    expect(await threadText(ack.ticket_id)).toContain('The player stutters on every video since 5.1.');

    // Released once: a second release is a 409 problem, and files nothing more.
    const again = await client.http().post(`/v1/inbound/quarantine/${quarantined.inboundId}/release`).auth(agent, { type: 'bearer' }).send({ partnerId: partner.partnerId });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await acknowledgmentsTo('gail.client@gmail.com')).toBe(1);
  });

  it('an agent threads a quarantined mail onto a ticket: it is on the thread as its sender’s, and nothing is acknowledged', async () => {
    const ticket = await ticketWithAck('hal@client.example');
    const messageId = `<release-thread-${randomUUID()}@gmail.com>`;
    const quarantined = await receive(
      Buffer.from(['From: hal.home@gmail.com', 'To: support@tss.test', 'Subject: from home', `Message-ID: ${messageId}`, '', 'Writing from home: it still fails.', ''].join('\r\n')),
    );
    expect(quarantined).toMatchObject({ outcome: 'quarantined' });
    const released = await client.http().post(`/v1/inbound/quarantine/${quarantined.inboundId}/release`).auth(agent, { type: 'bearer' }).send({ ticketId: ticket.id });
    expect(released.status).toBe(202);
    expect(released.body).toMatchObject({ outcome: 'threaded', ticketId: ticket.id });
    await waitFor('the released mail on the thread', async () => (await threadText(ticket.id)).includes('Writing from home: it still fails.'));
    expect(await threadText(ticket.id)).toContain('hal.home@gmail.com');
    expect(await acknowledgmentsTo('hal.home@gmail.com')).toBe(0);
  });

  it('P9: access particulars in quarantined mail are neither kept nor listed, in its subject or its text', async () => {
    const raw = Buffer.from(
      'From: nobody@unknown.example\r\nTo: support@tss.local\r\nSubject: help password: QSubjPw-121\r\nMessage-ID: <quarantine-pw@unknown.example>\r\n\r\nmy password: QBodyPw-131\r\nlogin: admin\r\n',
    );
    const receipt = await receive(raw);
    expect(receipt).toMatchObject({ outcome: 'quarantined' });
    const stored = await platform.query<{ subject: string; text_body: string }>('notification', 'SELECT subject, text_body FROM notification.inbound_messages WHERE id = $1', [receipt.inboundId]);
    expect(JSON.stringify(stored)).not.toMatch(/QSubjPw|QBodyPw/);
    // A mail kept before particulars were cut out of stored mail is masked when listed.
    await platform.query(
      'notification',
      `INSERT INTO notification.inbound_messages (id, message_id, outcome, reason, ticket_id, partner_id, sender, subject, text_body, attachments, received_at)
       VALUES (gen_random_uuid(), '<old-pw@unknown.example>', 'quarantined', 'unknown sender domain', NULL, NULL, 'old@unknown.example', 'пароль: OldSubj-77', 'Login: admin / Password: OldBody-99', '[]', now())`,
    );
    const listed = await client.http().get('/v1/inbound/quarantine').auth(agent, { type: 'bearer' });
    expect(listed.status).toBe(200);
    const items = (listed.body as { items: { inboundId: string; messageId: string; subject: string; text: string }[] }).items;
    const mine = items.find((i) => i.inboundId === receipt.inboundId);
    expect(mine?.subject).toBe('help [access particulars removed]');
    expect(mine?.text).toContain('my [access particulars removed]');
    expect(items.find((i) => i.messageId === '<old-pw@unknown.example>')).toBeDefined();
    expect(JSON.stringify(listed.body)).not.toMatch(/QSubjPw|QBodyPw|OldSubj|OldBody/);
  });

  it('mail from our own address (MAIL_FROM) is ours coming back: ignored like an auto-reply, whatever its headers, never threaded', async () => {
    const ticket = await ticketWithAck('gina@client.example');
    for (const [n, from] of [['1', 'support@tss.local'], ['2', 'TSS Support <SUPPORT@tss.local>']]) {
      const raw = Buffer.from(
        `From: ${from}\r\nTo: gina@client.example\r\nSubject: [${ticket.reference}] New reply\r\nMessage-ID: <loop-${n}@tss.local>\r\nIn-Reply-To: ${ticket.ackMessageId}\r\n\r\nOur own words, looping back.\r\n`,
      );
      const receipt = await receive(raw);
      expect(receipt).toMatchObject({ outcome: 'ignored' });
      expect(receipt.reason).toContain('our own address');
    }
    const published = await platform.query('notification', `SELECT 1 FROM notification.outbox WHERE event_type = 'notification.email_received' AND message_key = $1`, [ticket.id]);
    expect(published).toHaveLength(0);
    expect(await threadText(ticket.id)).not.toContain('looping back');
  });

  // An outside test: the mail route's raw-body parsers applied to every route of the plugin, and a
  // 1,000-byte text/plain PUT answered 400 with one validation error per byte (160 KB).
  it('only the mail route takes a raw mail body: the partner-domain PUT answers text/plain and message/rfc822 with a small 415 problem', async () => {
    for (const contentType of ['text/plain', 'message/rfc822']) {
      const response = await client
        .http()
        .put('/v1/inbound/partner-domains/raw-body.example')
        .auth(admin, { type: 'bearer' })
        .set('content-type', contentType)
        .send(Buffer.alloc(1_000, 'a'));
      expect(response.status).toBe(415);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.text.length).toBeLessThan(1_024);
    }
    const listed = await client.http().get('/v1/inbound/partner-domains').auth(admin, { type: 'bearer' });
    expect((listed.body as { items: { domain: string }[] }).items.map((d) => d.domain)).not.toContain('raw-body.example');
  });

  // An outside test: a domain given to a partner id the gateway never registered answered 200, and
  // mail from it filed tickets under that ghost: acknowledged with a reference, on a 12-hour clock,
  // in the agents' queue, and no partner's to read (docs/adr/0035, addendum of 2026-12-04, third session).
  it('a mail domain is given only to a partner the gateway registered: another id is a 422 naming /partnerId, and the domain’s mail stays quarantined', async () => {
    const ghost = randomUUID();
    const put = await client.http().put('/v1/inbound/partner-domains/ghost-books.example').auth(admin, { type: 'bearer' }).send({ partnerId: ghost });
    expect(put.status).toBe(422);
    expect(put.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(put.body.detail).toMatch(new RegExp(`^No active partner ${ghost} is known\\..*One registered a moment ago is known within seconds;.*PATCH /v1/partners/${ghost} with its current name`));
    expect(put.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/partnerId' })]);
    const listed = await client.http().get('/v1/inbound/partner-domains').auth(admin, { type: 'bearer' });
    expect((listed.body as { items: { domain: string }[] }).items.map((d) => d.domain)).not.toContain('ghost-books.example');

    const mail = Buffer.from(['From: Gus <gus@ghost-books.example>', 'To: support@tss.test', 'Subject: Reader will not start', 'Message-ID: <ghost-1@ghost-books.example>', '', 'It crashes.', ''].join('\r\n'));
    expect(await receive(mail)).toMatchObject({ outcome: 'quarantined' });
    expect(await platform.query('ticket-intake', 'SELECT 1 FROM ticket_intake.tickets WHERE partner_id = $1', [ghost])).toHaveLength(0);
  });

  it('new mail from a partner’s domain opens a ticket with channel email, its attachment stored with size and SHA-256, and is acknowledged', async () => {
    const put = await client.http().put('/v1/inbound/partner-domains/Partner-Domain.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId });
    expect(put.status).toBe(200);
    const raw = await corpusMail('new-request.eml');
    const mail = raw.toString('latin1').replace('<new-5@partner-domain.example>', '<new-5b@partner-domain.example>');
    const receipt = await receive(Buffer.from(mail, 'latin1'));
    expect(receipt).toMatchObject({ outcome: 'new_ticket' });

    const [event] = await platform.query<{ event: { data: { partnerId: string; attachmentPointers: { storageKey: string; size: number; sha256: string; contentType: string }[] } } }>(
      'notification',
      `SELECT event FROM notification.outbox WHERE event_type = 'notification.email_received' AND message_key = $1`,
      [receipt.inboundId],
    );
    expect(event.event.data.partnerId).toBe(partner.partnerId);
    const [pointer] = event.event.data.attachmentPointers;
    expect(pointer).toMatchObject({ contentType: 'image/png', size: 69, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await readFile(path.join(blobRoot, pointer.storageKey))).length).toBe(69);

    // P3: intake files it (channel email) and the requester is acknowledged.
    await waitFor('the acknowledgment of the new ticket', async () => (await acknowledgmentsTo('heidi@partner-domain.example')) === 1);
    const [ack] = await platform.query<{ channel: string; ticket_id: string }>('notification', `SELECT channel, ticket_id FROM notification.acknowledgments WHERE recipient = $1`, [
      'heidi@partner-domain.example',
    ]);
    expect(ack.channel).toBe('email');
    // The acknowledgment answers the mail that opened the ticket, and a reply to that mail threads too.
    const [ackMail] = await platform.query<{ in_reply_to: string }>('notification', `SELECT in_reply_to FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`, [ack.ticket_id]);
    expect(ackMail.in_reply_to).toBe('<new-5b@partner-domain.example>');
    // P5: a mail names no level: the acknowledgment says the level is the default, never "as requested".
    const [ackText] = await platform.query<{ text_body: string }>('notification', `SELECT text_body FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`, [ack.ticket_id]);
    expect(ackText.text_body).toContain('Service level: standard (set by default; support confirms it).');
    expect(ackText.text_body).not.toContain('as requested');
    const followUp = Buffer.from(
      ['From: Heidi <heidi@partner-domain.example>', 'To: support@tss.test', 'Subject: one more thing', 'Message-ID: <new-5c@partner-domain.example>', 'In-Reply-To: <new-5b@partner-domain.example>', '', 'It also fails on macOS 14.', ''].join('\r\n'),
    );
    expect(await receive(followUp)).toMatchObject({ outcome: 'threaded', ticketId: ack.ticket_id });
  });

  /** A reply to `ticket` carrying `parts` (Content-Type, file name, bytes) as attachments. */
  const replyWithParts = (ticket: { ackMessageId: string }, from: string, messageId: string, parts: readonly { type: string; name: string; bytes: Buffer }[]) =>
    Buffer.from(
      [
        `From: ${from}`,
        'To: support@tss.test',
        'Subject: Re: files',
        `Message-ID: ${messageId}`,
        `In-Reply-To: ${ticket.ackMessageId}`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain',
        '',
        'Files attached.',
        ...parts.flatMap((p) => ['--B', `Content-Type: ${p.type}`, `Content-Disposition: attachment; filename="${p.name}"`, 'Content-Transfer-Encoding: base64', '', p.bytes.toString('base64')]),
        '--B--',
        '',
      ].join('\r\n'),
    );
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  /** The files kept under a mail's folder of blob storage (each blob and its metadata file). */
  const filesOfMail = async (inboundId: string) => ((await readdir(path.join(blobRoot, 'inbound-mail', inboundId)).catch(() => [])) as string[]).sort();
  /** The ticket's attachments, once intake has threaded the mail `messageId` onto it. */
  const attachmentsOnceThreaded = async (ticketId: string, messageId: string) => {
    await waitFor('the mail threaded', async () => (await platform.query('ticket-intake', `SELECT 1 FROM ticket_intake.messages WHERE email_message_id = $1`, [messageId])).length > 0);
    return (await client.http().get(`/v1/tickets/${ticketId}/attachments`).auth(agent, { type: 'bearer' })).body as { items: { fileName: string }[] };
  };

  it('a mailed attachment intake refuses (a program, a bare BMP, an empty file) is not kept in storage; an accepted one is; a forwarded mail is unfolded into the message, its password vaulted', async () => {
    const ticket = await ticketWithAck('ivy@client.example');
    const forwarded = Buffer.from(['From: bank@bank.example', 'Subject: your access', '', 'login: ivy password: ForwardedPw#777', ''].join('\r\n'));
    const raw = replyWithParts(ticket, 'ivy@client.example', '<files-refused@client.example>', [
      { type: 'image/png', name: 'screen.png', bytes: PNG },
      { type: 'application/octet-stream', name: 'setup.exe', bytes: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64, 1)]) },
      { type: 'image/bmp', name: 'bare.bmp', bytes: Buffer.concat([Buffer.from('BM'), Buffer.alloc(64, 0)]) },
      { type: 'image/png', name: 'empty.png', bytes: Buffer.alloc(0) },
      { type: 'message/rfc822', name: 'fwd.eml', bytes: forwarded },
    ]);
    const receipt = await receive(raw);
    expect(receipt).toMatchObject({ outcome: 'threaded', ticketId: ticket.id });
    const attachments = await attachmentsOnceThreaded(ticket.id, '<files-refused@client.example>');
    expect(attachments.items.map((a) => a.fileName)).toEqual(['screen.png']);
    const thread = await threadText(ticket.id);
    for (const name of ['setup.exe', 'bare.bmp', 'empty.png']) expect(thread).toContain(`Attachment \\"${name}\\" was not accepted`);
    // A forward is content: its text follows the mail's own, masked as any text (P9), never a refused file
    // (docs/adr/0035, addendum of 2026-12-05, first session).
    expect(thread).not.toContain('fwd.eml');
    expect(thread).toContain('Files attached.\\n\\n---------- Forwarded message ----------\\nFrom: bank@bank.example\\nSubject: your access');
    expect(thread).not.toContain('ForwardedPw#777');
    // Only the accepted file (and its metadata) is left of the mail's four files.
    expect(await filesOfMail(receipt.inboundId)).toEqual(['1', '1.meta.json']);
  });

  it('a mail brings at most ATTACHMENT_MAX_FILES (20) files, as an upload request: the ones beyond are refused with a note and not kept', async () => {
    const ticket = await ticketWithAck('jack@client.example');
    const parts = Array.from({ length: 23 }, (_, n) => ({ type: 'image/png', name: `shot-${n + 1}.png`, bytes: PNG }));
    const receipt = await receive(replyWithParts(ticket, 'jack@client.example', '<files-many@client.example>', parts));
    const attachments = await attachmentsOnceThreaded(ticket.id, '<files-many@client.example>');
    expect(attachments.items.map((a) => a.fileName).sort()).toEqual(parts.slice(0, 20).map((p) => p.name).sort());
    const thread = await threadText(ticket.id);
    for (const n of [21, 22, 23]) expect(thread).toContain(`Attachment \\"shot-${n}.png\\" was not accepted: a mail brings at most 20 files`);
    expect(await filesOfMail(receipt.inboundId)).toHaveLength(40); // 20 blobs, each with its metadata file
  });

  it('P11: a reply to the resolved mail inside the reopen window reopens the ticket and starts a clock, once however often the mail comes', async () => {
    const ticket = await ticketWithAck('gina@client.example');
    const read = (path: string, token = agent) => client.http().get(path).auth(token, { type: 'bearer' });
    expect((await client.http().post(`/v1/tickets/${ticket.id}/messages`).auth(agent, { type: 'bearer' }).send({ body: 'Update to 4.2.2, please.', visibility: 'public' })).status).toBe(201);
    const etag = (await read(`/v1/tickets/${ticket.id}`)).headers.etag as string;
    expect((await client.http().patch(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' }).set('if-match', etag).send({ status: 'resolved' })).status).toBe(200);
    const resolvedMail = await waitFor('the resolved mail', async () => {
      const rows = await platform.query<{ message_id: string; text_body: string }>(
        'notification',
        `SELECT message_id, text_body FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'resolved'`,
        [ticket.id],
      );
      return rows[0];
    });
    expect(resolvedMail.text_body).toContain('reply to this message by');

    const raw = Buffer.from(
      [
        'From: Gina <gina@client.example>',
        'To: support@tss.test',
        `Subject: Re: [${ticket.reference}] Resolved`,
        'Message-ID: <not-solved-1@client.example>',
        `In-Reply-To: ${resolvedMail.message_id}`,
        `References: ${resolvedMail.message_id}`,
        '',
        'Still crashes after updating to 4.2.2.',
        '',
      ].join('\r\n'),
    );
    expect(await receive(raw)).toMatchObject({ outcome: 'threaded', ticketId: ticket.id, duplicate: false });
    const reopened = await waitFor('the ticket reopened', async () => {
      const { body } = await read(`/v1/tickets/${ticket.id}`, partner.token);
      return body.status === 'open' && body;
    });
    expect(reopened).toMatchObject({ status: 'open', responseOwed: true });

    // P5/P11: the reopened ticket owes a response again: a new running clock, started by the reopening.
    const clocks = await waitFor('a running clock', async () => {
      const sla = await read(`/v1/tickets/${ticket.id}/sla`, partner.token);
      const all = sla.body.clocks as { status: string; startedBy: string; open: boolean }[];
      return all.some((c) => c.open) && all;
    });
    expect(clocks.filter((c) => c.open)).toEqual([expect.objectContaining({ status: 'running', startedBy: 'reopened' })]);

    // The same mail again is a duplicate at the edge; the same Message-ID delivered again as an event threads and reopens nothing.
    expect(await receive(raw)).toMatchObject({ outcome: 'threaded', duplicate: true });
    const [published] = await platform.query<{ event: { data: unknown } }>(
      'notification',
      `SELECT event FROM notification.outbox WHERE event_type = 'notification.email_received' AND message_key = $1 AND event->'data'->>'messageId' = $2`,
      [ticket.id, '<not-solved-1@client.example>'],
    );
    const notification = platform.running.platform.host('notification');
    const redelivered = await notification.unitOfWork.run((tx) => notification.outbox.add(tx, NotificationEmailReceivedV1, ticket.id, published.event.data as never));
    await waitFor('the redelivery handled', async () =>
      (await platform.query('ticket-intake', `SELECT 1 FROM ticket_intake.inbox WHERE event_id = $1`, [redelivered.id])).length === 1,
    );

    const events = await platform.query<{ type: string; reason: string | null }>(
      'ticket-intake',
      `SELECT event_type AS type, event->'data'->>'reason' AS reason FROM ticket_intake.outbox WHERE event->>'subject' = $1 AND event_type = 'ticket.reopened'`,
      [ticket.id],
    );
    expect(events).toEqual([{ type: 'ticket.reopened', reason: expect.stringContaining('e-mail') }]);
    const thread = (await read(`/v1/tickets/${ticket.id}/thread`)).body.items as { body: string }[];
    expect(thread.filter((m) => m.body.includes('Still crashes after updating'))).toHaveLength(1);
    const history = (await read(`/v1/tickets/${ticket.id}/history`)).body.items as { action: string }[];
    expect(history.map((h) => h.action).slice(-3)).toEqual(['message_received', 'reopened', 'status_changed']);
    const reopenedMails = await platform.query('notification', `SELECT 1 FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'reopened'`, [ticket.id]);
    expect(reopenedMails).toHaveLength(1);
  });

  describe('who wrote a mail threaded by its reference (P8, docs/adr/0035 addendum)', () => {
    // The partner's people write from this domain: a colleague of a requester is one of them (docs/mail.md).
    const COLLEAGUES = 'acme-people.example';
    beforeAll(async () => {
      expect((await client.http().put(`/v1/inbound/partner-domains/${COLLEAGUES}`).auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
    });
    /** A ticket whose requester has an id of the partner's and an e-mail address, once notification knows its reference. */
    const ticketOf = async (requester: { id: string; email: string }) => ticketWithAck(requester.email, requester.id);
    const mailFrom = (from: string, reference: string, messageId: string, text: string) =>
      Buffer.from([`From: ${from}`, 'To: support@tss.test', `Subject: Re: [${reference}] Reader crashes`, `Message-ID: <${messageId}>`, '', text, ''].join('\r\n'));
    type ThreadItem = { body: string; author: { kind: string; id?: string; name?: string } };
    const historyActorsOf = async (ticketId: string, action: string) =>
      ((await client.http().get(`/v1/tickets/${ticketId}/history`).auth(agent, { type: 'bearer' })).body.items as { action: string; actor: unknown }[])
        .filter((h) => h.action === action)
        .map((h) => h.actor);
    const threadItem = (ticketId: string, text: string) =>
      waitFor(`"${text}" in the thread`, async () => {
        const items = (await client.http().get(`/v1/tickets/${ticketId}/thread`).auth(agent, { type: 'bearer' })).body.items as ThreadItem[];
        return items.find((m) => m.body.includes(text));
      });

    it('mail from a colleague in the partner’s mail domain is threaded as that sender’s, named by address, never under the requester’s id', async () => {
      const ticket = await ticketOf({ id: 'cust-1', email: 'ann.reader@client.example' });
      const receipt = await receive(mailFrom(`Carl <carl@${COLLEAGUES}>`, ticket.reference, `carl-1@${COLLEAGUES}`, 'Same here: it crashes for me too.'));
      expect(receipt).toMatchObject({ outcome: 'threaded', ticketId: ticket.id });
      const item = await threadItem(ticket.id, 'Same here: it crashes for me too.');
      expect(item.author).toEqual({ kind: 'email_sender', name: `carl@${COLLEAGUES}` });
      // The history, too, names the sender and not the requester.
      expect(await historyActorsOf(ticket.id, 'message_received')).toEqual([{ kind: 'email_sender', id: `carl@${COLLEAGUES}` }]);
    });

    // Security review, sixth session: reference numbers are in every mail's subject, not secrets; a
    // stranger's mail naming one was published on the requester's thread, its links clickable.
    it('mail naming a ticket from an address neither its requester’s nor of its partner’s mail domains is quarantined, not published; staff may release it', async () => {
      const ticket = await ticketOf({ id: 'cust-6', email: 'fay.reader@client.example' });
      const phishing = 'Resolved. Visit http://phish.example/login to re-enter your password.';
      const byReference = await receive(mailFrom('Support <stranger@elsewhere.example>', ticket.reference, 'stranger-1@elsewhere.example', phishing));
      expect(byReference).toMatchObject({ outcome: 'quarantined' });
      expect(byReference.ticketId).toBeUndefined();
      expect(byReference.reason).toContain('neither the ticket’s requester nor of a mail domain of its partner');
      // Named by our acknowledgment's Message-ID instead: the same.
      const byHeader = await receive(
        Buffer.from([`From: stranger@elsewhere.example`, 'To: support@tss.test', 'Subject: Re: your request', `In-Reply-To: ${ticket.ackMessageId}`, 'Message-ID: <stranger-2@elsewhere.example>', '', 'Me too.', ''].join('\r\n')),
      );
      expect(byHeader).toMatchObject({ outcome: 'quarantined' });
      // Mail from the requester's own address still threads; the stranger's text is nowhere on the thread.
      expect(await receive(mailFrom('fay.reader@client.example', ticket.reference, 'fay-1@client.example', 'Thanks, checking now.'))).toMatchObject({ outcome: 'threaded', ticketId: ticket.id });
      await threadItem(ticket.id, 'Thanks, checking now.');
      expect(await threadText(ticket.id)).not.toContain('phish.example');
      // Agents see it in the quarantine, with its reason, and may put it on the ticket themselves.
      const quarantine = (await client.http().get('/v1/inbound/quarantine').auth(agent, { type: 'bearer' })).body.items as { inboundId: string; reason: string }[];
      expect(quarantine.find((q) => q.inboundId === byReference.inboundId)?.reason).toContain('stranger@elsewhere.example');
      const released = await client.http().post(`/v1/inbound/quarantine/${byReference.inboundId}/release`).auth(agent, { type: 'bearer' }).send({ ticketId: ticket.id });
      expect(released.status).toBe(202);
    });

    it('mail from the requester’s own address, in any case, is the requester’s, under their id', async () => {
      const ticket = await ticketOf({ id: 'cust-2', email: 'bob.reader@client.example' });
      expect(await receive(mailFrom('Bob <Bob.Reader@CLIENT.example>', ticket.reference, 'bob-1@client.example', 'It still crashes on 4.2.2.'))).toMatchObject({ outcome: 'threaded' });
      const item = await threadItem(ticket.id, 'It still crashes on 4.2.2.');
      expect(item.author).toEqual({ kind: 'requester', id: 'cust-2', name: 'bob.reader@client.example' });
      expect(await historyActorsOf(ticket.id, 'message_received')).toEqual([{ kind: 'requester', id: 'bob.reader@client.example' }]);
    });

    it('a From the receiving server found forged (DMARC fail) is quarantined: it neither speaks as the requester nor reopens', async () => {
      const ticket = await ticketOf({ id: 'cust-5', email: 'erin.reader@client.example' });
      const etag = (await client.http().get(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' })).headers.etag as string;
      expect((await client.http().patch(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' }).set('if-match', etag).send({ status: 'resolved' })).status).toBe(200);
      const forged = (authentication: string, messageId: string) =>
        Buffer.concat([Buffer.from(`Authentication-Results: ${authentication}\r\n`), mailFrom('Erin <erin.reader@client.example>', ticket.reference, messageId, 'Not solved, reopen it.')]);

      const refused = await receive(forged('mx.tss.test; spf=fail smtp.mailfrom=evil.example; dkim=none; dmarc=fail header.from=client.example', 'forged-1@evil.example'));
      expect(refused).toMatchObject({ outcome: 'quarantined' });
      expect(refused.reason).toContain('DMARC failed');
      // A header of a server TSS does not trust is anyone's: the same mail with it threads as the requester's.
      const believed = await receive(forged('relay.example; dmarc=pass', 'genuine-1@client.example'));
      expect(believed).toMatchObject({ outcome: 'threaded', ticketId: ticket.id });
      await threadItem(ticket.id, 'Not solved, reopen it.');
      expect(JSON.stringify((await client.http().get(`/v1/tickets/${ticket.id}/thread`).auth(agent, { type: 'bearer' })).body).match(/Not solved, reopen it\./g)).toHaveLength(1);
    });

    it('another sender’s mail to a resolved ticket is threaded but reopens nothing: only the requester’s may (P11)', async () => {
      const ticket = await ticketOf({ id: 'cust-4', email: 'dan.reader@client.example' });
      const etag = (await client.http().get(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' })).headers.etag as string;
      expect((await client.http().patch(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' }).set('if-match', etag).send({ status: 'resolved' })).status).toBe(200);
      expect(await receive(mailFrom(`dora@${COLLEAGUES}`, ticket.reference, `dora-3@${COLLEAGUES}`, 'Not solved, reopen it.'))).toMatchObject({ outcome: 'threaded' });
      await threadItem(ticket.id, 'Not solved, reopen it.');
      const read = (await client.http().get(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' })).body as { status: string; responseOwed: boolean };
      expect(read).toMatchObject({ status: 'resolved', responseOwed: false });
    });

    it('another sender’s mail to a closed ticket opens a linked ticket of their own, not of the requester', async () => {
      const ticket = await ticketOf({ id: 'cust-3', email: 'carol.reader@client.example' });
      const etag = (await client.http().get(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' })).headers.etag as string;
      const closed = await client
        .http()
        .patch(`/v1/tickets/${ticket.id}`)
        .auth(agent, { type: 'bearer' })
        .set('if-match', etag)
        .send({ status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } });
      expect(closed.status).toBe(200);
      // The receipt says `follow_up` once notification knows the ticket closed (`ticket.closed`,
      // docs/adr/0035, sixth session); before, it threads the mail onto the ticket it names, and
      // intake files the follow-up all the same.
      await waitFor('notification knows it closed', async () => (await platform.query('notification', 'SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1 AND ticket_closed_at IS NOT NULL', [ticket.id])).length > 0);
      expect(await receive(mailFrom(`dora@${COLLEAGUES}`, ticket.reference, `dora-2@${COLLEAGUES}`, 'Reopen this for me.'))).toMatchObject({ outcome: 'follow_up', followUpOf: ticket.reference });
      const [followUp] = await waitFor('the linked ticket filed', async () => {
        const rows = await platform.query<{ requester_id: string; request: { requester: { email: string } } }>(
          'ticket-intake',
          'SELECT requester_id, request FROM ticket_intake.tickets WHERE linked_ticket_id = $1',
          [ticket.id],
        );
        return rows.length > 0 ? rows : undefined;
      });
      expect(followUp.requester_id).toBe(`mail:dora@${COLLEAGUES}`);
      expect(followUp.request.requester.email).toBe(`dora@${COLLEAGUES}`);
    });

    // An outside test (sixth session): a mailed PNG was `uploadedBy {"id": "petra@…"}` while its
    // message's author and the ticket's requester were `mail:petra@…`: a client could not match them.
    it('a mailed attachment names its uploader as its message names its author: the requester by their id, a colleague by address', async () => {
      type Uploaded = { items: { fileName: string; uploadedBy: { kind: string; id: string } }[] };
      const uploadersOf = async (ticketId: string) => ((await client.http().get(`/v1/tickets/${ticketId}/attachments`).auth(agent, { type: 'bearer' })).body as Uploaded).items.map((a) => a.uploadedBy);
      const ticketOfMail = (messageId: string) =>
        waitFor(`the mail ${messageId} on a ticket`, async () => {
          const rows = await platform.query<{ ticket_id: string }>('ticket-intake', 'SELECT ticket_id FROM ticket_intake.messages WHERE email_message_id = $1', [messageId]);
          return rows[0]?.ticket_id;
        });
      const petra = `petra@${COLLEAGUES}`;
      // A new request by mail: its sender is the ticket's requester, `mail:<address>`.
      expect(await receive(replyWithParts({ ackMessageId: '<none@nowhere.example>' }, `Petra <${petra}>`, `<petra-png-1@${COLLEAGUES}>`, [{ type: 'image/png', name: 'screen.png', bytes: PNG }]))).toMatchObject({
        outcome: 'new_ticket',
      });
      const filedId = await ticketOfMail(`<petra-png-1@${COLLEAGUES}>`);
      const filed = (await client.http().get(`/v1/tickets/${filedId}`).auth(agent, { type: 'bearer' })).body as { requester: { id: string } };
      expect(filed.requester.id).toBe(`mail:${petra}`);
      expect(await uploadersOf(filedId)).toEqual([{ kind: 'requester', id: `mail:${petra}` }]);

      // A reply of the requester: the uploader is the message's author, under the requester's id.
      const ticket = await ticketOf({ id: 'cust-7', email: 'gus.reader@client.example' });
      await receive(replyWithParts(ticket, 'Gus <Gus.Reader@client.example>', '<gus-png-1@client.example>', [{ type: 'image/png', name: 'gus.png', bytes: PNG }]));
      const item = await threadItem(ticket.id, 'Files attached.');
      expect(item.author).toMatchObject({ kind: 'requester', id: 'cust-7' });
      expect(await uploadersOf(ticket.id)).toEqual([{ kind: 'requester', id: 'cust-7' }]);

      // A colleague's: named by address, as their message is.
      const other = await ticketOf({ id: 'cust-8', email: 'hal.reader@client.example' });
      await receive(replyWithParts(other, `Carl <carl@${COLLEAGUES}>`, `<carl-png-1@${COLLEAGUES}>`, [{ type: 'image/png', name: 'carl.png', bytes: PNG }]));
      expect((await threadItem(other.id, 'Files attached.')).author).toEqual({ kind: 'email_sender', name: `carl@${COLLEAGUES}` });
      expect(await uploadersOf(other.id)).toEqual([{ kind: 'email_sender', id: `carl@${COLLEAGUES}` }]);
    });

    // An outside test (sixth session): the vault's notice came first and "Filed from your e-mail." 11 ms after it.
    it('P9: a mail-filed ticket whose mail held a password opens with the filing note, then the vault notice', async () => {
      const messageId = `<quinn-pw-1@${COLLEAGUES}>`;
      const mail = Buffer.from([`From: quinn@${COLLEAGUES}`, 'To: support@tss.test', 'Subject: cannot log in', `Message-ID: ${messageId}`, '', 'Reader rejects me. login: quinn password: Quinn#Pw-4521', ''].join('\r\n'));
      expect(await receive(mail)).toMatchObject({ outcome: 'new_ticket' });
      const ticketId = await waitFor('the mail filed', async () => {
        const rows = await platform.query<{ ticket_id: string }>('ticket-intake', 'SELECT ticket_id FROM ticket_intake.messages WHERE email_message_id = $1', [messageId]);
        return rows[0]?.ticket_id;
      });
      const items = ((await client.http().get(`/v1/tickets/${ticketId}/thread`).auth(agent, { type: 'bearer' })).body.items as ThreadItem[]).filter((m) => m.author.kind === 'system');
      expect(items.map((m) => m.body)).toEqual(['Filed from your e-mail.', expect.stringContaining('vault')]);
      expect(JSON.stringify(items)).not.toContain('Quinn#Pw-4521');
    });
  });

  // An outside test: a mail from a domain registered to partner B, naming partner A's reference or
  // Message-ID, threaded onto A's ticket; to A's closed ticket it filed a follow-up under A with the
  // stranger as requester, acknowledged with a support-site link (docs/adr/0035, addendum of 2026-12-04, second session).
  describe('a sender whose domain belongs to another partner (tenancy)', () => {
    let other: { token: string; partnerId: string };
    beforeAll(async () => {
      other = await client.partner(admin, 'Other Books');
      await platform.partnerKnownToNotification(other.partnerId);
      for (const [domain, partnerId] of [['a-books.example', partner.partnerId], ['b-books.example', other.partnerId]]) {
        expect((await client.http().put(`/v1/inbound/partner-domains/${domain}`).auth(admin, { type: 'bearer' }).send({ partnerId })).status).toBe(200);
      }
    });
    const mail = (headers: readonly string[], text: string) => Buffer.from([...headers, 'To: support@tss.test', '', text, ''].join('\r\n'));
    const publishedFor = async (messageId: string) =>
      platform.query('notification', `SELECT 1 FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' = $1`, [messageId]);
    const quarantinedIds = async () =>
      ((await client.http().get('/v1/inbound/quarantine').auth(agent, { type: 'bearer' })).body as { items: { messageId: string }[] }).items.map((i) => i.messageId);

    it('naming the ticket by its reference or by In-Reply-To, it is quarantined with a reason, not threaded', async () => {
      const ticket = await ticketWithAck('ann@a-books.example');
      const bySubject = await receive(mail(['From: Mallory <mallory@b-books.example>', `Subject: Re: [${ticket.reference}] hi`, 'Message-ID: <mallory-b1@b-books.example>'], 'Cross-partner by reference.'));
      const byHeader = await receive(
        mail(['From: mallory@b-books.example', 'Subject: hello', 'Message-ID: <mallory-b2@b-books.example>', `In-Reply-To: ${ticket.ackMessageId}`, `References: ${ticket.ackMessageId}`], 'Cross-partner by In-Reply-To.'),
      );
      for (const receipt of [bySubject, byHeader]) {
        expect(receipt).toMatchObject({ outcome: 'quarantined', duplicate: false });
        expect(receipt.ticketId).toBeUndefined();
        expect(receipt.reason).toContain('another partner');
      }
      expect(await publishedFor('<mallory-b1@b-books.example>')).toHaveLength(0);
      expect(await publishedFor('<mallory-b2@b-books.example>')).toHaveLength(0);
      expect(await quarantinedIds()).toEqual(expect.arrayContaining(['<mallory-b1@b-books.example>', '<mallory-b2@b-books.example>']));
      expect(await threadText(ticket.id)).not.toContain('Cross-partner');

      // The ticket's own partner's people, and senders of no partner's domain, still thread (ADR 0035).
      expect(await receive(mail(['From: carl@a-books.example', `Subject: Re: [${ticket.reference}] hi`, 'Message-ID: <carl-1@a-books.example>'], 'Same partner.'))).toMatchObject({
        outcome: 'threaded',
        ticketId: ticket.id,
      });
    });

    it('writing to a closed ticket of another partner, it files no follow-up ticket and gets no acknowledgment', async () => {
      const ticket = await ticketWithAck('bea@a-books.example');
      const etag = (await client.http().get(`/v1/tickets/${ticket.id}`).auth(agent, { type: 'bearer' })).headers.etag as string;
      const closed = await client
        .http()
        .patch(`/v1/tickets/${ticket.id}`)
        .auth(agent, { type: 'bearer' })
        .set('if-match', etag)
        .send({ status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } });
      expect(closed.status).toBe(200);
      const receipt = await receive(
        mail(['From: mallory@b-books.example', `Subject: Re: [${ticket.reference}] closed`, 'Message-ID: <mallory-b3@b-books.example>', `In-Reply-To: ${ticket.ackMessageId}`], 'Reopen this for me.'),
      );
      expect(receipt).toMatchObject({ outcome: 'quarantined' });
      expect(await publishedFor('<mallory-b3@b-books.example>')).toHaveLength(0);
      const linked = await platform.query('ticket-intake', 'SELECT 1 FROM ticket_intake.tickets WHERE linked_ticket_id = $1', [ticket.id]);
      expect(linked).toHaveLength(0);
      expect(await acknowledgmentsTo('mallory@b-books.example')).toBe(0);
    });
  });

  // A partner the gateway deactivated later (its `partner.updated` with `active: false`) still had
  // tickets filed from its mail domain, acknowledged with an SLA clock, and replies threaded
  // (docs/adr/0035, addendum of 2026-12-04, fourth session).
  describe('a partner deactivated later', () => {
    let gone: { token: string; partnerId: string };
    let ticket: { id: string; reference: string; ackMessageId: string };
    beforeAll(async () => {
      gone = await client.partner(admin, 'Gone Books');
      await platform.partnerKnownToNotification(gone.partnerId);
      expect((await client.http().put('/v1/inbound/partner-domains/gone-books.example').auth(admin, { type: 'bearer' }).send({ partnerId: gone.partnerId })).status).toBe(200);
      const created = await client.http().post('/v1/tickets').auth(gone.token, { type: 'bearer' }).send(sampleTicket({ requester: { email: 'una@gone-books.example' } }));
      expect(created.status).toBe(201);
      const ack = await waitFor('the acknowledgment recorded', async () => {
        const rows = await platform.query<{ message_id: string }>('notification', `SELECT message_id FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`, [created.body.id]);
        return rows[0];
      });
      ticket = { id: created.body.id as string, reference: created.body.reference as string, ackMessageId: ack.message_id };
      const changedAt = new Date(platform.clock.now().getTime() + 60_000).toISOString();
      await platform.handledBy('notification', await platform.publishAsGateway(PartnerUpdatedV1, gone.partnerId, { partnerId: gone.partnerId, name: 'Gone Books', active: false, changedAt }));
    });
    const mail = (headers: readonly string[], text: string) => Buffer.from([...headers, 'To: support@tss.test', '', text, ''].join('\r\n'));
    const publishedFor = async (messageId: string) =>
      platform.query('notification', `SELECT 1 FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' = $1`, [messageId]);
    const ticketsOf = async (partnerId: string) => (await platform.query('ticket-intake', 'SELECT 1 FROM ticket_intake.tickets WHERE partner_id = $1', [partnerId])).length;

    it('new mail from its domain is quarantined with the reason: no ticket, no acknowledgment, no file kept', async () => {
      const receipt = await receive(replyWithParts({ ackMessageId: '<none@nowhere.example>' }, 'vic@gone-books.example', '<gone-new-1@gone-books.example>', [{ type: 'image/png', name: 'screen.png', bytes: PNG }]));
      expect(receipt).toMatchObject({ outcome: 'quarantined', duplicate: false });
      expect(receipt.reason).toBe(`sender domain gone-books.example belongs to partner ${gone.partnerId}, which is deactivated: its mail files no ticket and is threaded onto none`);
      expect(await filesOfMail(receipt.inboundId)).toEqual([]);
      expect(await publishedFor('<gone-new-1@gone-books.example>')).toHaveLength(0);
      expect(await ticketsOf(gone.partnerId)).toBe(1);
      expect(await acknowledgmentsTo('vic@gone-books.example')).toBe(0);
      const listed = await client.http().get('/v1/inbound/quarantine').auth(agent, { type: 'bearer' });
      expect((listed.body as { items: { inboundId: string; reason: string }[] }).items.find((i) => i.inboundId === receipt.inboundId)?.reason).toContain('deactivated');
    });

    it('replies to its tickets, by In-Reply-To or by reference, from its domain or any other, are quarantined and not threaded', async () => {
      const byHeader = await receive(mail(['From: una@gone-books.example', 'Subject: Re: hello', 'Message-ID: <gone-reply-1@gone-books.example>', `In-Reply-To: ${ticket.ackMessageId}`], 'Gone reply by header.'));
      const byReference = await receive(mail(['From: una.private@mail.example', `Subject: Re: [${ticket.reference}] hello`, 'Message-ID: <gone-reply-2@mail.example>'], 'Gone reply by reference.'));
      for (const receipt of [byHeader, byReference]) {
        expect(receipt).toMatchObject({ outcome: 'quarantined', duplicate: false });
        expect(receipt.ticketId).toBeUndefined();
        expect(receipt.reason).toMatch(new RegExp(`^the ticket named by .* belongs to partner ${gone.partnerId}, which is deactivated`));
      }
      expect(await publishedFor('<gone-reply-1@gone-books.example>')).toHaveLength(0);
      expect(await publishedFor('<gone-reply-2@mail.example>')).toHaveLength(0);
      expect(await threadText(ticket.id)).not.toContain('Gone reply');
    });

    it('a partner notification has no word of (registered before its projection) still files and threads by mail, as before', async () => {
      const old = await client.partner(admin, 'Old Books');
      await platform.partnerKnownToNotification(old.partnerId);
      expect((await client.http().put('/v1/inbound/partner-domains/old-books.example').auth(admin, { type: 'bearer' }).send({ partnerId: old.partnerId })).status).toBe(200);
      // As if registered before notification kept partners, with nothing the migration could infer it from.
      await platform.query('notification', 'DELETE FROM notification.partners WHERE id = $1', [old.partnerId]);
      expect(await receive(mail(['From: otto@old-books.example', 'Subject: Reader crashes', 'Message-ID: <old-new-1@old-books.example>'], 'Reader 4.2 crashes.'))).toMatchObject({ outcome: 'new_ticket' });
      const [filed] = await waitFor('the ticket filed', async () => {
        const rows = await platform.query<{ id: string; reference: string }>('ticket-intake', 'SELECT id::text AS id, reference FROM ticket_intake.tickets WHERE partner_id = $1', [old.partnerId]);
        return rows.length === 1 && rows;
      });
      await waitFor('notification knows its reference', async () => (await platform.query('notification', 'SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1', [filed.id])).length === 1);
      const reply = await receive(mail(['From: otto@old-books.example', `Subject: Re: [${filed.reference}] Reader crashes`, 'Message-ID: <old-reply-1@old-books.example>'], 'It also fails on macOS.'));
      expect(reply).toMatchObject({ outcome: 'threaded', ticketId: filed.id });
    });
  });

  // An outside test: a mail written in Russian filed a ticket with language `en`, and every mail after
  // it was English (docs/adr/0035, addendum of 2026-12-04, second session).
  it('a new request mailed in Russian files a ticket in Russian, acknowledged in Russian; one in English stays English', async () => {
    expect((await client.http().put('/v1/inbound/partner-domains/ru-books.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
    const mailed = (from: string, messageId: string, subject: string, text: string) =>
      Buffer.from(
        [`From: ${from}`, 'To: support@tss.test', `Subject: =?utf-8?B?${Buffer.from(subject).toString('base64')}?=`, `Message-ID: <${messageId}>`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from(text).toString('base64'), ''].join('\r\n'),
      );
    const filed = async (email: string) => {
      const ack = await waitFor(`the acknowledgment to ${email}`, async () => {
        const rows = await platform.query<{ ticket_id: string; language: string; subject: string; text_body: string }>(
          'notification',
          `SELECT ticket_id, language, subject, text_body FROM notification.mail_messages WHERE recipient = $1 AND kind = 'acknowledgment'`,
          [email],
        );
        return rows[0];
      });
      const ticket = (await client.http().get(`/v1/tickets/${ack.ticket_id}`).auth(agent, { type: 'bearer' })).body as { language: string };
      return { ack, ticket };
    };

    expect(await receive(mailed('ivan@ru-books.example', 'ru-new-1@ru-books.example', 'Читалка падает', 'Здравствуйте! Читалка 4.2 падает при открытии книги EPUB. Что делать?'))).toMatchObject({
      outcome: 'new_ticket',
    });
    const russian = await filed('ivan@ru-books.example');
    expect(russian.ticket.language).toBe('ru');
    expect(russian.ack.language).toBe('ru');
    expect(russian.ack.text_body).toContain('Ваше обращение зарегистрировано под номером');

    expect(await receive(mailed('jane@ru-books.example', 'en-new-1@ru-books.example', 'Reader crashes', 'Hello, Reader 4.2 crashes on opening an EPUB (Москва office).'))).toMatchObject({ outcome: 'new_ticket' });
    const english = await filed('jane@ru-books.example');
    expect(english.ticket.language).toBe('en');
    expect(english.ack.language).toBe('en');
  });

  // An outside test: three new mails of one sender at the same moment; the acknowledgment of
  // "Nummer 2" answered <petra-new-3@…> and vice versa (docs/adr/0035, addendum of 2026-12-04, sixth session).
  it('P8: mails of one sender at once: intake names each ticket’s mail on ticket.created, and each acknowledgment answers its own', async () => {
    expect((await client.http().put('/v1/inbound/partner-domains/kunde.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
    const opening = (n: number) => `<petra-new-${n}@kunde.example>`;
    const mail = (n: number) =>
      Buffer.from(['From: Petra <petra@kunde.example>', 'To: support@tss.test', `Subject: Neue Anfrage Nummer ${n}`, `Message-ID: ${opening(n)}`, '', `Anfrage ${n}: der Reader stürzt ab.`, ''].join('\r\n'));
    const receipts = await Promise.all([1, 2, 3].map((n) => receive(mail(n))));
    expect(receipts.map((r) => r.outcome)).toEqual(['new_ticket', 'new_ticket', 'new_ticket']);
    const acks = await waitFor('three acknowledgments', async () => {
      const rows = await platform.query<{ ticket_id: string; subject: string; in_reply_to: string }>(
        'notification',
        `SELECT ticket_id::text AS ticket_id, subject, in_reply_to FROM notification.mail_messages WHERE recipient = 'petra@kunde.example' AND kind = 'acknowledgment'`,
      );
      return rows.length === 3 ? rows : undefined;
    });
    for (const ack of acks) {
      const n = Number(/Nummer (\d)/.exec(ack.subject)?.[1]);
      expect({ subject: ack.subject, inReplyTo: ack.in_reply_to }).toEqual({ subject: expect.stringContaining(`Nummer ${n}`), inReplyTo: opening(n) });
      const [created] = await platform.query<{ data: { openingMessageId?: string; subject: string } }>(
        'ticket-intake',
        `SELECT event->'data' AS data FROM ticket_intake.outbox WHERE event_type = 'ticket.created' AND message_key = $1`,
        [ack.ticket_id],
      );
      expect(created.data).toMatchObject({ subject: `Neue Anfrage Nummer ${n}`, openingMessageId: opening(n) });
    }
  });

  // Simultaneous mails of one sender were each counted before any was recorded: all of them filed.
  it('simultaneous new mails of one sender are counted one after the other: 8 at once file 5 tickets, the other 3 are quarantined and keep no files', async () => {
    expect((await client.http().put('/v1/inbound/partner-domains/storm.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
    const mail = (n: number) =>
      Buffer.from(
        [
          'From: bot@storm.example',
          'To: support@tss.test',
          `Subject: Storm ${n}`,
          `Message-ID: <storm-${n}@storm.example>`,
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary="B"',
          '',
          '--B',
          'Content-Type: text/plain',
          '',
          'Reader 4.2 crashes.',
          '--B',
          'Content-Type: image/png',
          'Content-Disposition: attachment; filename="shot.png"',
          'Content-Transfer-Encoding: base64',
          '',
          PNG.toString('base64'),
          '--B--',
          '',
        ].join('\r\n'),
      );
    const receipts = await Promise.all(Array.from({ length: 8 }, (_, n) => receive(mail(n + 1))));
    const outcomes = receipts.map((r) => r.outcome).sort();
    expect(outcomes).toEqual([...Array(5).fill('new_ticket'), ...Array(3).fill('quarantined')]);
    for (const quarantined of receipts.filter((r) => r.outcome === 'quarantined')) {
      expect(quarantined.reason).toContain('5 tickets');
      expect(await filesOfMail(quarantined.inboundId)).toEqual([]);
    }
    for (const filed of receipts.filter((r) => r.outcome === 'new_ticket')) expect(await filesOfMail(filed.inboundId)).toEqual(['1', '1.meta.json']);
    const published = await platform.query('notification', `SELECT 1 FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'from' = 'bot@storm.example'`);
    expect(published).toHaveLength(5);
  });

  // An outside test: an auto-responder that does not mark itself ("Thank you for your message", no
  // Auto-Submitted) filed a ticket per mail and got an acknowledgment for each: answering every
  // acknowledgment, it loops for ever (docs/adr/0035, addendum of 2026-12-04, second session).
  // Last in the file: it moves the platform's clock.
  it('one sender files at most MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR (5) tickets an hour by mail: the next mail is quarantined and not acknowledged', async () => {
    expect((await client.http().put('/v1/inbound/partner-domains/robots.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
    let n = 0;
    const robotMail = (from = 'robot@robots.example') => {
      n += 1;
      return Buffer.from([`From: ${from}`, 'To: support@tss.test', 'Subject: Thank you for your message', `Message-ID: <robot-${n}@robots.example>`, '', 'We will answer you shortly.', ''].join('\r\n'));
    };
    for (let i = 0; i < 5; i += 1) {
      expect(await receive(robotMail())).toMatchObject({ outcome: 'new_ticket' });
      platform.clock.advanceMs(10 * 60_000); // five mails in 40 minutes
    }
    const sixth = await receive(robotMail());
    expect(sixth).toMatchObject({ outcome: 'quarantined' });
    expect(sixth.reason).toContain('5 tickets');
    const published = await platform.query('notification', `SELECT 1 FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' = $1`, [`<robot-${n}@robots.example>`]);
    expect(published).toHaveLength(0);
    await waitFor('five acknowledgments', async () => (await acknowledgmentsTo('robot@robots.example')) === 5);
    // The limit is per sender address: another sender of the same domain still files.
    expect(await receive(robotMail('person@robots.example'))).toMatchObject({ outcome: 'new_ticket' });

    // An hour after the first, the window has room again.
    platform.clock.advanceMs(11 * 60_000);
    expect(await receive(robotMail())).toMatchObject({ outcome: 'new_ticket' });
    await waitFor('the sixth acknowledgment', async () => (await acknowledgmentsTo('robot@robots.example')) === 6);
  });

  // An outside test: `From: Petra Müller <petra@petra.example>` filed a ticket whose requester had no name.
  it('a mail-filed ticket names its requester by the From display name, one line and bounded, and its mail is addressed to that name', async () => {
    // A token of its own: earlier tests move the clock on past the suite's admin token.
    const freshAdmin = await platform.adminToken();
    expect((await client.http().put('/v1/inbound/partner-domains/petra.example').auth(freshAdmin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
    const mail = (from: string, n: number) =>
      Buffer.from([`From: ${from}`, 'To: support@tss.test', `Subject: Reader stürzt ab ${n}`, `Message-ID: <petra-name-${n}@petra.example>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Der Reader stürzt ab.', ''].join('\r\n'));
    const filed = async (from: string, n: number, address: string) => {
      expect((await receive(mail(from, n))).outcome).toBe('new_ticket');
      return waitFor(`the ticket of mail ${n}`, async () => {
        const [row] = await platform.query<{ name: string | null; recipient_name: string | null }>(
          'notification',
          `SELECT c.requester_name AS name, m.recipient_name FROM notification.mail_contacts c JOIN notification.mail_messages m ON m.ticket_id = c.ticket_id AND m.kind = 'acknowledgment' WHERE c.email = $1`,
          [address],
        );
        return row;
      });
    };
    expect(await filed('=?UTF-8?Q?Petra_M=C3=BCller?= <petra@petra.example>', 1, 'petra@petra.example')).toEqual({ name: 'Petra Müller', recipient_name: 'Petra Müller' });
    expect(await filed('=?UTF-8?Q?Mallory=0D=0ABcc=3A_victim=40evil.example?= <mallory@petra.example>', 2, 'mallory@petra.example')).toEqual({
      name: 'Mallory Bcc: victim@evil.example',
      recipient_name: 'Mallory Bcc: victim@evil.example',
    });
    const [created] = await platform.query<{ name: string }>(
      'ticket-intake',
      `SELECT event->'data'->'requester'->>'name' AS name FROM ticket_intake.outbox WHERE event_type = 'ticket.created' AND event->'data'->>'openingMessageId' = '<petra-name-1@petra.example>'`,
    );
    expect(created.name).toBe('Petra Müller');
  });
});
