import { randomUUID } from 'node:crypto';
import type { RefusedAttachment } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import type { TicketMailContext } from '../src/domain/mail-template';
import { attachmentsRefusedMail } from '../src/domain/mail-templates';
import { notificationService } from '../src/index';
import { MaskKeptMailFileNames1765603900000 } from '../src/store/migrations/1765603900000-mask-kept-mail-file-names';

const PASSWORD = 'FilePw#1122';
const EXE_PASSWORD = 'ExePw#6655';
const BMP_PASSWORD = 'BmpPw#3344';
const REMOVED = '[access particulars removed]';
const SHA = 'a'.repeat(64);

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;
interface Pointer {
  storageKey: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}
interface MailData {
  attachmentPointers: Pointer[];
  inTransit?: { subject: string; text: string; attachmentPointers?: Pointer[] };
  [field: string]: unknown;
}

const pointer = (inboundId: string, n: number, filename: string, contentType = 'image/png'): Pointer => ({ storageKey: `inbound-mail/${inboundId}/${n}`, filename, contentType, size: 10, sha256: SHA });

// P9 (docs/adr/0026 and 0070, addenda of 2026-12-05): releases before them kept a mailed file's
// name as sent wherever notification keeps it: the inbound mail's record, the
// `notification.email_received` events of its outbox, the mail telling the requester which files
// were refused, and the `ticket.attachments_refused` events kept for webhook replay.
describe('upgrade: mailed file names notification kept in clear (migration 1765603900000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ticketId = randomUUID();
  const endpointId = randomUUID();
  const inbound = { leaky: randomUUID(), refused: randomUUID(), bare: randomUUID() };
  const events = { published: randomUUID(), unpublished: randomUUID(), withText: randomUUID() };
  const mails = { en: randomUUID(), ru: randomUUID() };
  const webhook = { event: randomUUID(), delivery: randomUUID(), message: randomUUID() };
  const leakyFiles = [pointer(inbound.leaky, 1, `password ${PASSWORD}.png`), pointer(inbound.leaky, 2, 'password reset page.png')];
  const refusedPointers = [pointer(inbound.refused, 1, `pwd=${EXE_PASSWORD}.exe`, 'application/octet-stream'), pointer(inbound.refused, 2, 'setup.exe', 'application/octet-stream')];
  const refusedEn: RefusedAttachment[] = [
    { fileName: `pwd=${EXE_PASSWORD}&co.exe`, reason: 'unsupported_type' },
    { fileName: 'setup.exe', reason: 'unsupported_type' },
    { fileName: `login: ann password: ${PASSWORD}.zip`, reason: 'too_many_files', maxFiles: 20 },
  ];
  const refusedRu: RefusedAttachment[] = [{ fileName: `пароль ${BMP_PASSWORD}.bmp`, reason: 'bare_bmp' }];
  const ctx = (language: 'en' | 'ru'): TicketMailContext => ({ reference: 'TSS-OLD01-AAAAA', subject: 'Screenshots', language, siteUrl: 'https://support.example/t/abc' });
  let sut: ServiceUnderTest;

  const keptInbound = (query: Query, id: string, attachments: Pointer[]) =>
    query(
      `INSERT INTO notification.inbound_messages (id, message_id, outcome, reason, ticket_id, partner_id, sender, subject, text_body, attachments, received_at)
       VALUES ($1, $2, 'threaded', 'in_reply_to', $3, $4, 'ann@client.example', 'Screenshots', 'See the files.', $5, '2026-12-04T09:00:00Z')`,
      [id, `<${id}@client.example>`, ticketId, partnerId, JSON.stringify(attachments)],
    );
  const keptEvent = (query: Query, eventId: string, data: Record<string, unknown>, published: boolean) =>
    query(
      `INSERT INTO notification.outbox (event_id, event_type, topic, message_key, event, created_at, published_at)
       VALUES ($1, 'notification.email_received', 'tss.notification', $2, $3, '2026-12-04T09:00:00Z', $4)`,
      [
        eventId,
        ticketId,
        { specversion: '1.0', id: eventId, source: 'tss/notification', type: 'notification.email_received', time: '2026-12-04T09:00:00.000Z', subject: ticketId, datacontenttype: 'application/json', data },
        published ? '2026-12-04T09:00:01Z' : null,
      ],
    );
  const mailData = (inboundId: string, attachmentPointers: Pointer[], extra: Record<string, unknown> = {}) => ({
    partnerId,
    ticketId,
    inboundId,
    messageId: `<${inboundId}@client.example>`,
    from: 'ann@client.example',
    subject: 'Screenshots',
    text: 'See the files.',
    ...extra,
    attachmentPointers,
    receivedAt: '2026-12-04T09:00:00.000Z',
  });
  const keptMail = (query: Query, id: string, language: 'en' | 'ru', files: RefusedAttachment[]) => {
    const rendered = attachmentsRefusedMail(ctx(language), files);
    return query(
      `INSERT INTO notification.mail_messages (id, ticket_id, partner_id, kind, recipient, language, message_id, subject, text_body, html_body, status, attempts, created_at, sent_at)
       VALUES ($1, $2, $3, 'attachments_refused', 'ann@client.example', $4, $5, $6, $7, $8, 'sent', 1, '2026-12-04T09:00:00Z', '2026-12-04T09:00:01Z')`,
      [id, ticketId, partnerId, language, `<${id}@tss.test>`, rendered.subject, rendered.text, rendered.html],
    );
  };
  const refusalBody = (files: RefusedAttachment[]) =>
    JSON.stringify({
      specversion: '1.0',
      id: webhook.event,
      source: 'tss/ticket-intake',
      type: 'ticket.attachments_refused',
      time: '2026-12-04T09:00:02.000Z',
      subject: ticketId,
      datacontenttype: 'application/json',
      data: { partnerId, sequence: 3, messageId: webhook.message, channel: 'email', fromRequester: true, files, refusedAt: '2026-12-04T09:00:02.000Z' },
      sequence: 3,
    });

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationService, {
      clock,
      database: {
        before: 1765603900000,
        // As releases before 9a736cc and df202f3 (2026-12-05) kept a reply whose files were named with a password.
        write: async (query) => {
          await keptInbound(query, inbound.leaky, leakyFiles);
          await keptInbound(query, inbound.refused, refusedPointers);
          await keptInbound(query, inbound.bare, []);
          await keptEvent(query, events.published, mailData(inbound.leaky, leakyFiles), true);
          await keptEvent(query, events.unpublished, mailData(inbound.refused, refusedPointers), false);
          const inTransit = { subject: 'Screenshots', text: `login: ann password: ${PASSWORD}` };
          await keptEvent(query, events.withText, mailData(inbound.leaky, leakyFiles, { text: `login: ann ${REMOVED}`, inTransit }), false);
          await keptMail(query, mails.en, 'en', refusedEn);
          await keptMail(query, mails.ru, 'ru', refusedRu);
          await query(
            `INSERT INTO notification.webhook_endpoints (id, owner_kind, partner_id, created_by, url, description, event_types, secret, status, created_at, updated_at)
             VALUES ($1, 'partner', $2, 'partner-admin', 'https://hooks.example/tss', '', '{*}', 'sealed', 'disabled', '2026-12-01T09:00:00Z', '2026-12-01T09:00:00Z')`,
            [endpointId, partnerId],
          );
          const body = refusalBody(refusedEn);
          await query(
            `INSERT INTO notification.webhook_events (id, type, partner_id, subject, sequence, occurred_at, body, received_at)
             VALUES ($1, 'ticket.attachments_refused', $2, $3, 3, '2026-12-04T09:00:02Z', $4, '2026-12-04T09:00:02Z')`,
            [webhook.event, partnerId, ticketId, body],
          );
          await query(
            `INSERT INTO notification.webhook_deliveries (id, endpoint_id, message_id, event_type, body, reason, status, attempts, created_at, completed_at)
             VALUES ($1, $2, $3, 'ticket.attachments_refused', $4, 'event', 'failed', 8, '2026-12-04T09:00:02Z', '2026-12-04T10:00:00Z')`,
            [webhook.delivery, endpointId, webhook.event, body],
          );
        },
      },
    });
    // The relay publishes the two events the older release left unpublished.
    await waitFor('the kept events published', async () => (await sut.query(`SELECT 1 FROM notification.outbox WHERE published_at IS NULL`)).length === 0);
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const eventData = async (eventId: string) => (await sut.query<{ data: MailData }>(`SELECT event->'data' AS data FROM notification.outbox WHERE event_id = $1`, [eventId]))[0].data;
  const loggedData = async (eventId: string) =>
    (await sut.query<{ data: MailData }>(`SELECT convert_from(value, 'UTF8')::jsonb AS data FROM tss_event_log.messages WHERE headers->>'ce_id' = $1`, [eventId]))[0].data;
  /** The names as the current release keeps them: the particular removed, the rest of the name and its extension kept. */
  const MASKED_NAMES: Record<string, string> = {
    [`pwd=${EXE_PASSWORD}&co.exe`]: `${REMOVED}&co.exe`,
    [`login: ann password: ${PASSWORD}.zip`]: `${REMOVED}.zip`,
    [`пароль ${BMP_PASSWORD}.bmp`]: `${REMOVED}.bmp`,
  };
  const masked = (files: RefusedAttachment[]): RefusedAttachment[] => files.map((f) => ({ ...f, fileName: MASKED_NAMES[f.fileName] ?? f.fileName }));

  it('P9: no table of notification holds a password written into a file name any more', async () => {
    const tables = await sut.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'notification' AND table_type = 'BASE TABLE'`);
    const holding: string[] = [];
    for (const { table_name: table } of tables) {
      for (const password of [PASSWORD, EXE_PASSWORD, BMP_PASSWORD]) {
        const found = await sut.query(`SELECT 1 FROM notification."${table}" t WHERE t::text LIKE $1 LIMIT 1`, [`%${password}%`]);
        if (found.length > 0) holding.push(`${table}: ${password}`);
      }
    }
    expect(holding).toEqual([]);
  });

  it("P9: the inbound mail's record keeps each name masked, its extension kept; other names and fields stay", async () => {
    const kept = await sut.query<{ id: string; attachments: Pointer[] }>(`SELECT id::text AS id, attachments FROM notification.inbound_messages`);
    const byId = Object.fromEntries(kept.map((k) => [k.id, k.attachments]));
    expect(byId[inbound.leaky]).toEqual([{ ...leakyFiles[0], filename: `${REMOVED}.png` }, leakyFiles[1]]);
    expect(byId[inbound.refused]).toEqual([{ ...refusedPointers[0], filename: `${REMOVED}.exe` }, refusedPointers[1]]);
    expect(byId[inbound.bare]).toEqual([]);
  });

  it('P9: a published email_received carries the names masked; one left unpublished went out as the current release sends it, the names as written in transit only', async () => {
    expect(await eventData(events.published)).toEqual(mailData(inbound.leaky, [{ ...leakyFiles[0], filename: `${REMOVED}.png` }, leakyFiles[1]]));

    const sent = [{ ...refusedPointers[0], filename: `${REMOVED}.exe` }, refusedPointers[1]];
    expect(await eventData(events.unpublished)).toEqual(mailData(inbound.refused, sent));
    // What intake received (the log keeps `inTransit` until the groups reading it have): the names as
    // written for its vault, beside the subject and text as kept, as forwardToIntake writes them.
    expect(await loggedData(events.unpublished)).toEqual(mailData(inbound.refused, sent, { inTransit: { subject: 'Screenshots', text: 'See the files.', attachmentPointers: refusedPointers } }));

    const text = `login: ann ${REMOVED}`;
    expect(await eventData(events.withText)).toEqual(mailData(inbound.leaky, [{ ...leakyFiles[0], filename: `${REMOVED}.png` }, leakyFiles[1]], { text }));
    expect((await loggedData(events.withText)).inTransit).toEqual({ subject: 'Screenshots', text: `login: ann password: ${PASSWORD}`, attachmentPointers: leakyFiles });
  });

  it('P9: the refusal mails name the refused files masked, in both bodies and both languages, the rest as rendered', async () => {
    const kept = await sut.query<{ id: string; subject: string; text_body: string; html_body: string }>(`SELECT id::text AS id, subject, text_body, html_body FROM notification.mail_messages`);
    const byId = Object.fromEntries(kept.map((m) => [m.id, { subject: m.subject, text: m.text_body, html: m.html_body }]));
    expect(byId[mails.en]).toEqual(attachmentsRefusedMail(ctx('en'), masked(refusedEn)));
    expect(byId[mails.ru]).toEqual(attachmentsRefusedMail(ctx('ru'), masked(refusedRu)));
    expect(byId[mails.en].text).toContain('- setup.exe: only JPG, GIF and PNG images are accepted');
  });

  it('P9: the refusal kept for webhook replay, and its delivery, name the files masked', async () => {
    const [event] = await sut.query<{ body: string }>(`SELECT body FROM notification.webhook_events WHERE id = $1`, [webhook.event]);
    expect(JSON.parse(event.body)).toEqual(JSON.parse(refusalBody(masked(refusedEn))));
    const [delivery] = await sut.query<{ body: string }>(`SELECT body FROM notification.webhook_deliveries WHERE id = $1`, [webhook.delivery]);
    expect(delivery.body).toBe(event.body);
  });

  it('running the migration again changes nothing', async () => {
    const snapshot = async () => [
      await sut.query(`SELECT id, attachments FROM notification.inbound_messages ORDER BY id`),
      await sut.query(`SELECT position, event FROM notification.outbox ORDER BY position`),
      await sut.query(`SELECT id, subject, text_body, html_body FROM notification.mail_messages ORDER BY id`),
      await sut.query(`SELECT id, body FROM notification.webhook_events ORDER BY id`),
      await sut.query(`SELECT id, body FROM notification.webhook_deliveries ORDER BY id`),
    ];
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptMailFileNames1765603900000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
