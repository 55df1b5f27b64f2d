import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { MaskKeptFileNames1765603300000 } from '../../src/store/migrations/1765603300000-mask-kept-file-names';
import { insertTicketRow } from './support/ticket-rows';

const PASSWORD = 'FilePw#1122';
const EXE_PASSWORD = 'ExePw#6655';
const REMOVED = '[access particulars removed]';
const REFUSAL_TAIL = 'this type of file is not accepted.';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, first session): releases before it kept a file's name
// as sent: the attachment's row, its history entries, the note naming a refused mailed file and the
// `ticket.attachments_refused` event showed a password written into the name.
describe('upgrade: file names kept in clear by older releases (migration 1765603300000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { ticket: '', leaky: randomUUID(), plain: randomUUID(), note: randomUUID(), ruNote: randomUUID(), event: '' };
  let sut: ServiceUnderTest;

  const attachment = (query: Query, id: string, fileName: string) =>
    query(
      `INSERT INTO ticket_intake.attachments (id, ticket_id, partner_id, message_id, file_name, content_type, size, sha256, storage_key, uploaded_by_kind, uploaded_by_id, created_at)
       VALUES ($1, $2, $3, NULL, $4, 'image/png', 10, $5, $6, 'partner', $7, '2026-12-04T09:00:00Z')`,
      [id, ids.ticket, partnerId, fileName, 'a'.repeat(64), `attachments/${id}`, partnerId],
    );
  const entry = (query: Query, action: string, detail: Record<string, unknown>) =>
    query(`INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail) VALUES ($1, $2, '2026-12-04T09:00:00Z', 'partner', $3, $4, $5)`, [
      ids.ticket,
      partnerId,
      partnerId,
      action,
      detail,
    ]);
  const systemNote = (query: Query, id: string, body: string) =>
    query(
      `INSERT INTO ticket_intake.messages (id, ticket_id, partner_id, author_kind, author_id, visibility, channel, body, created_at) VALUES ($1, $2, $3, 'system', NULL, 'public', 'email', $4, '2026-12-04T09:00:00Z')`,
      [id, ids.ticket, partnerId, body],
    );
  const refusedFiles = [
    { fileName: `pwd=${EXE_PASSWORD}.exe`, reason: 'unsupported_type' },
    { fileName: 'setup.exe', reason: 'unsupported_type' },
  ];

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765603300000,
        // As ef49e87 (2026-12-04) kept an uploaded file and a refused mailed one named with a password.
        write: async (query) => {
          ids.ticket = await insertTicketRow(query, { partnerId, requesterId: 'client-1', receivedAt: new Date('2026-12-04T08:00:00.000Z') });
          await attachment(query, ids.leaky, `password ${PASSWORD}.png`);
          await attachment(query, ids.plain, 'password reset page.png');
          await entry(query, 'attachment_uploaded', { attachmentId: ids.leaky, fileName: `password ${PASSWORD}.png`, contentType: 'image/png', size: 10 });
          await entry(query, 'attachments_refused', { messageId: ids.note, channel: 'email', fromRequester: true, files: refusedFiles });
          await systemNote(query, ids.note, `Attachment "pwd=${EXE_PASSWORD}.exe" was not accepted: ${REFUSAL_TAIL}\nAttachment "setup.exe" was not accepted: ${REFUSAL_TAIL}\nWe accept JPG, GIF and PNG images.`);
          await systemNote(query, ids.ruNote, `Вложение «pwd=${EXE_PASSWORD}.exe» не принято: файлы такого типа не принимаются.`);
          const eventId = randomUUID();
          const [{ position }] = (await query(
            `INSERT INTO ticket_intake.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, 'ticket.attachments_refused', 'tss.ticket', $2, $3, now(), now()) RETURNING position::text AS position`,
            [eventId, ids.ticket, { id: eventId, type: 'ticket.attachments_refused', subject: ids.ticket, data: { partnerId, sequence: 3, messageId: ids.note, files: refusedFiles } }],
          )) as { position: string }[];
          ids.event = position;
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const kept = async () => ({
    names: await sut.query<{ id: string; file_name: string }>(`SELECT id::text AS id, file_name FROM ticket_intake.attachments WHERE ticket_id = $1 ORDER BY file_name`, [ids.ticket]),
    history: await sut.query<{ action: string; detail: Record<string, unknown> }>(`SELECT action, detail FROM ticket_intake.ticket_history WHERE ticket_id = $1 AND action LIKE 'attachment%' ORDER BY id`, [ids.ticket]),
    notes: await sut.query<{ id: string; body: string }>(`SELECT id::text AS id, body FROM ticket_intake.messages WHERE ticket_id = $1 ORDER BY id`, [ids.ticket]),
    event: await sut.query<{ data: Record<string, unknown> }>(`SELECT event->'data' AS data FROM ticket_intake.outbox WHERE position = $1::bigint`, [ids.event]),
  });

  it('P9: no kept name shows a password any more: the attachment, its history, the refusal notes and the event; extensions stay', async () => {
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' });
    const listed = await sut.http().get(`/v1/tickets/${ids.ticket}/attachments`).auth(staff, { type: 'bearer' });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(PASSWORD);

    const { names, history, notes, event } = await kept();
    expect(Object.fromEntries(names.map((n) => [n.id, n.file_name]))).toEqual({ [ids.plain]: 'password reset page.png', [ids.leaky]: `${REMOVED}.png` });
    expect(history.map((h) => h.action)).toEqual(['attachment_uploaded', 'attachments_refused']);
    expect(history[0].detail).toEqual({ attachmentId: ids.leaky, fileName: `${REMOVED}.png`, contentType: 'image/png', size: 10 });
    const maskedFiles = [
      { fileName: `${REMOVED}.exe`, reason: 'unsupported_type' },
      { fileName: 'setup.exe', reason: 'unsupported_type' },
    ];
    expect(history[1].detail).toEqual({ messageId: ids.note, channel: 'email', fromRequester: true, files: maskedFiles });
    expect(notes.find((n) => n.id === ids.note)?.body).toBe(
      `Attachment "${REMOVED}.exe" was not accepted: ${REFUSAL_TAIL}\nAttachment "setup.exe" was not accepted: ${REFUSAL_TAIL}\nWe accept JPG, GIF and PNG images.`,
    );
    expect(notes.find((n) => n.id === ids.ruNote)?.body).toBe(`Вложение «${REMOVED}.exe» не принято: файлы такого типа не принимаются.`);
    expect(event[0].data).toEqual({ partnerId, sequence: 3, messageId: ids.note, files: maskedFiles });
  });

  it('running the migration again changes nothing', async () => {
    const before = await kept();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptFileNames1765603300000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await kept()).toEqual(before);
  });
});
