import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { insertTicketRow } from './support/ticket-rows';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P8 (docs/adr/0035, addendum of 2026-12-04, sixth session): releases up to 5077ef7 named the
// uploader of a requester's mailed file by the From address, its message and ticket by the requester's id.
describe('upgrade: mailed files of the requester uploaded under their address by older releases (migration 1765602500000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { replied: '', filed: '' };
  let sut: ServiceUnderTest;

  const message = async (query: Query, ticketId: string, author: { kind: string; id: string | null; name: string | null }, emailMessageId: string | null) => {
    const id = randomUUID();
    await query(
      `INSERT INTO ticket_intake.messages (id, ticket_id, partner_id, author_kind, author_id, author_name, visibility, channel, body, email_message_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'public', $7, 'Files attached.', $8, '2026-12-02T09:00:00Z')`,
      [id, ticketId, partnerId, author.kind, author.id, author.name, emailMessageId ? 'email' : 'site', emailMessageId],
    );
    return id;
  };
  const attachment = (query: Query, ticketId: string, messageId: string, fileName: string, uploadedBy: { kind: string; id: string }) =>
    query(
      `INSERT INTO ticket_intake.attachments (id, ticket_id, partner_id, message_id, file_name, content_type, size, sha256, storage_key, uploaded_by_kind, uploaded_by_id, created_at)
       VALUES ($1, $2, $3, $4, $5, 'image/png', 69, 'ab', $6, $7, $8, '2026-12-02T09:00:00Z')`,
      [randomUUID(), ticketId, partnerId, messageId, fileName, `k/${randomUUID()}`, uploadedBy.kind, uploadedBy.id],
    );
  const withRequesterEmail = (query: Query, ticketId: string, email: string) =>
    query(`UPDATE ticket_intake.tickets SET request = jsonb_set(request, '{requester,email}', to_jsonb($2::text)) WHERE id = $1`, [ticketId, email]);

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765602500000,
        write: async (query) => {
          const at = new Date('2026-12-01T09:00:00.000Z');
          // A ticket filed over the API: the requester's mailed reply, a colleague's, and a site upload.
          ids.replied = await insertTicketRow(query, { partnerId, requesterId: 'cust-9', receivedAt: at });
          await withRequesterEmail(query, ids.replied, 'ann@client.example');
          const reply = await message(query, ids.replied, { kind: 'requester', id: 'cust-9', name: 'Ann@Client.example' }, '<ann-1@client.example>');
          await attachment(query, ids.replied, reply, 'ann.png', { kind: 'requester', id: 'Ann@Client.example' });
          const colleague = await message(query, ids.replied, { kind: 'email_sender', id: null, name: 'carl@client.example' }, '<carl-1@client.example>');
          await attachment(query, ids.replied, colleague, 'carl.png', { kind: 'email_sender', id: 'carl@client.example' });
          const site = await message(query, ids.replied, { kind: 'requester', id: 'cust-9', name: null }, null);
          await attachment(query, ids.replied, site, 'site.png', { kind: 'requester', id: 'cust-9' });
          // A ticket filed by mail: its files hang on the system's filing note.
          ids.filed = await insertTicketRow(query, { partnerId, requesterId: 'mail:petra@kunde.example', receivedAt: at, channel: 'email' });
          await withRequesterEmail(query, ids.filed, 'petra@kunde.example');
          const note = await message(query, ids.filed, { kind: 'system', id: null, name: null }, '<petra-1@kunde.example>');
          await attachment(query, ids.filed, note, 'petra.png', { kind: 'requester', id: 'petra@kunde.example' });
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('P8: after the upgrade a requester’s mailed file names them by their id, as its message or ticket does; a colleague’s and a site upload are unchanged', async () => {
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' });
    const uploaders = async (ticketId: string) => {
      const listed = await sut.http().get(`/v1/tickets/${ticketId}/attachments`).auth(staff, { type: 'bearer' });
      expect(listed.status).toBe(200);
      return Object.fromEntries((listed.body.items as { fileName: string; uploadedBy: unknown }[]).map((a) => [a.fileName, a.uploadedBy]));
    };
    expect(await uploaders(ids.replied)).toEqual({
      'ann.png': { kind: 'requester', id: 'cust-9' },
      'carl.png': { kind: 'email_sender', id: 'carl@client.example' },
      'site.png': { kind: 'requester', id: 'cust-9' },
    });
    expect(await uploaders(ids.filed)).toEqual({ 'petra.png': { kind: 'requester', id: 'mail:petra@kunde.example' } });
  });
});
