import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pngBytes } from '@tss/blob-storage/testing';
import type { PlatformClient } from '@tss/runtime/testing';
import { waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SECRET = 'inbound-secret-0123456789';
const KiB = 1024;
/** Small limits, so the mails stay small: 8 KB a file, 12 KB a message's files together. */
const MAX_FILE_BYTES = 8 * KiB;
const MAX_MESSAGE_BYTES = 12 * KiB;

type ThreadItem = { body: string; author: { kind: string } };
type MailRow = { language: string; subject: string; text_body: string; in_reply_to: string | null };

/** A PNG (by its content) of exactly `size` bytes. */
const pngOf = (size: number): Buffer => Buffer.concat([pngBytes(), Buffer.alloc(size - pngBytes().length)]);

// An outside tester (the requester's journey): a 12 MB PNG the support site's reply form refused
// (400, "larger than 10 MB") was kept when mailed as a reply ({"outcome":"threaded"}, listed in the
// ticket's attachments), and no "attachments not accepted" mail said anything (P8).
describe('mailed attachments are held to the upload size limits, and the requester is told (P8)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let blobRoot: string;
  let partner: { token: string; partnerId: string };

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-mail-limits-'));
    platform = await startTestPlatform('mail_limits', {
      env: { MAIL_INBOUND_SECRET: SECRET, ATTACHMENT_DIR: blobRoot, ATTACHMENT_MAX_FILE_BYTES: String(MAX_FILE_BYTES), ATTACHMENT_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) },
    });
    client = platform.client;
    const admin = await platform.adminToken();
    partner = await client.partner(admin, 'Kunde GmbH');
    await platform.partnerKnownToNotification(partner.partnerId);
    expect((await client.http().put('/v1/inbound/partner-domains/kunde.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
  });

  afterAll(async () => {
    await platform?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  const receive = async (raw: Buffer) => {
    const response = await client.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(raw);
    expect(response.status).toBe(202);
    return response.body as { outcome: string; ticketId?: string };
  };
  /** A plain-text mail with `files` attached as PNGs. */
  const mailWith = (headers: string[], text: string, files: readonly { name: string; bytes: Buffer }[]) =>
    Buffer.from(
      [
        ...headers,
        'To: support@tss.test',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain; charset=utf-8',
        '',
        text,
        ...files.flatMap((f) => ['--B', 'Content-Type: image/png', `Content-Disposition: attachment; filename="${f.name}"`, 'Content-Transfer-Encoding: base64', '', f.bytes.toString('base64')]),
        '--B--',
        '',
      ].join('\r\n'),
    );
  const mailsOf = (ticketId: string, kind: string) =>
    platform.query<MailRow>('notification', `SELECT language, subject, text_body, in_reply_to FROM notification.mail_messages WHERE ticket_id = $1 AND kind = $2`, [ticketId, kind]);

  it('P8: a reply mailing a file over the per-file limit and one over the per-message total threads with the rest; both are refused on the thread and by mail, naming the limits', async () => {
    expect(
      (await receive(mailWith(['From: Ann <ann@kunde.example>', 'Subject: The reader crashes', 'Message-ID: <new.ann@kunde.example>'], 'Hello, the reader 4.2 crashes when I open an EPUB book. What can I do?', [])))
        .outcome,
    ).toBe('new_ticket');
    const ack = await waitFor('the acknowledgment', async () => {
      const rows = await platform.query<{ ticket_id: string; message_id: string }>('notification', `SELECT ticket_id, message_id FROM notification.mail_messages WHERE recipient = $1 AND kind = 'acknowledgment'`, ['ann@kunde.example']);
      return rows[0];
    });
    const ticketId = ack.ticket_id;

    const reply = await receive(
      mailWith(['From: Ann <ann@kunde.example>', 'Subject: Re: screenshots', 'Message-ID: <reply.ann@kunde.example>', `In-Reply-To: ${ack.message_id}`], 'The screenshots are attached.', [
        { name: 'capture-full.png', bytes: pngOf(MAX_FILE_BYTES + 1) },
        { name: 'capture-1.png', bytes: pngOf(7 * KiB) },
        { name: 'capture-2.png', bytes: pngOf(6 * KiB) },
        { name: 'capture-3.png', bytes: pngOf(5 * KiB) },
      ]),
    );
    expect(reply).toMatchObject({ outcome: 'threaded', ticketId });

    const requester = await client.requester(partner.token, 'mail:ann@kunde.example');
    const thread = await waitFor('the reply on the thread', async () => {
      const items = (await client.http().get(`/v1/tickets/${ticketId}/thread`).auth(requester, { type: 'bearer' })).body.items as ThreadItem[];
      return items.some((m) => m.body === 'The screenshots are attached.') ? items : undefined;
    });
    // Kept: the files within the limits, in the mail's order (7 KB, then 5 KB: 12 KB in all).
    const attachments = (await client.http().get(`/v1/tickets/${ticketId}/attachments`).auth(requester, { type: 'bearer' })).body.items as { fileName: string; size: number }[];
    expect(attachments.map((a) => a.fileName).sort()).toEqual(['capture-1.png', 'capture-3.png']);
    // The system's note names each refused file with its reason and the limit.
    const note = thread.find((m) => m.author.kind === 'system' && m.body.includes('capture-full.png'));
    expect(note?.body).toContain('Attachment "capture-full.png" was not accepted: the file is larger than 8 KB, the most one file may be.');
    expect(note?.body).toContain('Attachment "capture-2.png" was not accepted: with it the mail\'s files would add up to more than 12 KB');

    // The requester is told by mail, threaded.
    const [mail] = await waitFor('the refusal mail', async () => {
      const rows = await mailsOf(ticketId, 'attachments_refused');
      return rows.length > 0 ? rows : undefined;
    });
    expect(mail.in_reply_to).toBe(ack.message_id);
    expect(mail.subject).toContain('Attachments not accepted');
    expect(mail.text_body).toContain('capture-full.png: the file is larger than 8 KB, the most one file may be');
    expect(mail.text_body).toContain('capture-2.png: with it the mail');
    // And the limits, as the platform's settings set them.
    expect(mail.text_body).toContain('Each file may be up to 8 KB, and all the files of one mail together up to 12 KB.');
  });
});
