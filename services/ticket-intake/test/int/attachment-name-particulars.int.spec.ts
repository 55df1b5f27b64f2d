import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pngBytes } from '@tss/blob-storage/testing';
import { sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';

const FILE_PASSWORD = 'FilePw#1122';
const MESSAGE_FILE_PASSWORD = 'FilePw#3344';
const STAFF_FILE_PASSWORD = 'FilePw#5566';
/** A masked file name: the placeholder naming the vault entry, then the file's own extension. */
const MASKED_PNG = /^\[credentials stored securely: TSS vault #[0-9a-f]{8}\]\.png$/;

type AttachmentView = { id: string; fileName: string };
type CredentialView = { id: string; label: string; kind: string; visibility: string };

/** Every text value in intake's schema, as one string: what a dump of the database would show. */
const everythingStored = async (sut: ServiceUnderTest): Promise<string> => {
  const tables = await sut.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, [INTAKE_SCHEMA]);
  const dumps = await Promise.all(tables.map((t) => sut.query<{ dump: string }>(`SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') AS dump FROM "${INTAKE_SCHEMA}"."${t.table_name}" t`)));
  return dumps.map(([row]) => row.dump).join('\n');
};

// An outside tester: a PNG attached as `password FilePw#1122.png` was shown and kept under that
// name, while the same text in a message is vaulted and masked (P9; docs/adr/0026, addendum of
// 2026-12-05, first session).
describe('access particulars in an attachment’s file name (P9)', () => {
  const clock = new TestClock('2026-03-04T09:00:00.000Z');
  let sut: ServiceUnderTest;
  let blobRoot: string;
  const partnerId = randomUUID();
  const partnerToken = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const requesterToken = (requesterId: string) => sut.token({ kind: 'requester', partner_id: partnerId, requester_id: requesterId, scope: 'tickets:read tickets:write' });
  const staffToken = () => sut.token({ kind: 'staff', sub: 'agent-7', client_id: 'agent-7', roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
  const bearer = { type: 'bearer' } as const;

  const fileTicket = async (overrides: Record<string, unknown> = {}): Promise<string> => {
    const filed = await sut.http().post('/v1/tickets').auth(partnerToken(), bearer).send(sampleTicket(overrides));
    expect(filed.status).toBe(201);
    return filed.body.id as string;
  };
  const upload = (token: string, ticketId: string, name: string) => sut.http().post(`/v1/tickets/${ticketId}/attachments`).auth(token, bearer).attach('file', pngBytes(), { filename: name, contentType: 'image/png' });
  const attachments = async (token: string, ticketId: string) => (await sut.http().get(`/v1/tickets/${ticketId}/attachments`).auth(token, bearer)).body.items as AttachmentView[];
  const credentials = async (token: string, ticketId: string) => (await sut.http().get(`/v1/tickets/${ticketId}/credentials`).auth(token, bearer)).body.items as CredentialView[];
  const reveal = async (ticketId: string, credentialId: string) => (await sut.http().get(`/v1/tickets/${ticketId}/credentials/${credentialId}`).auth(staffToken(), bearer)).body as { secret: string };
  const thread = async (token: string, ticketId: string) => (await sut.http().get(`/v1/tickets/${ticketId}/thread`).auth(token, bearer)).body.items as { body: string; author: { kind: string } }[];

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-name-particulars-'));
    sut = await startServiceUnderTest(ticketIntakeService, { clock, env: { ATTACHMENT_DIR: blobRoot, TSS_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}` } });
  });

  afterAll(async () => {
    await sut?.stop();
    await rm(blobRoot, { recursive: true, force: true });
  });

  it('P9: an uploaded file’s name keeps a masked form everywhere; its particulars are vaulted, and the requester’s side is told', async () => {
    const ticketId = await fileTicket();
    const uploaded = await upload(partnerToken(), ticketId, `password ${FILE_PASSWORD}.png`);

    expect(uploaded.status).toBe(201);
    const [stored] = uploaded.body.items as AttachmentView[];
    expect(stored.fileName).toMatch(MASKED_PNG);
    expect(await attachments(partnerToken(), ticketId)).toEqual([expect.objectContaining({ id: stored.id, fileName: stored.fileName })]);
    const download = await sut.http().get(`/v1/tickets/${ticketId}/attachments/${stored.id}`).auth(partnerToken(), bearer);
    expect(download.headers['content-disposition']).not.toContain('FilePw');

    // Vaulted as a message's particulars are: one `detected` credential the placeholder names.
    const [credential, ...more] = await credentials(staffToken(), ticketId);
    expect(more).toEqual([]);
    expect(credential).toMatchObject({ label: 'Access particulars from a file name', kind: 'detected', visibility: 'public' });
    expect(stored.fileName).toContain(`#${credential.id.slice(0, 8)}]`);
    expect((await reveal(ticketId, credential.id)).secret).toBe(FILE_PASSWORD);

    const note = (await thread(partnerToken(), ticketId)).find((m) => m.author.kind === 'system' && m.body.includes('access particulars'));
    expect(note?.body).toContain('The name of a file you sent contained access particulars');
    // Not in the row, the history, the outbox: only sealed, in the vault.
    expect(await everythingStored(sut)).not.toContain(FILE_PASSWORD);
  });

  it('P9: files sent with a requester’s message: the names are masked and vaulted in the message’s transaction, and the mail says how many', async () => {
    const requesterId = `req-${randomUUID()}`;
    const ticketId = await fileTicket({ requester: { id: requesterId, email: 'ann@example.com' } });
    const posted = await sut
      .http()
      .post(`/v1/tickets/${ticketId}/messages`)
      .auth(requesterToken(requesterId), bearer)
      .field('body', 'Screenshot attached.')
      .attach('file', pngBytes(), { filename: `pwd=${MESSAGE_FILE_PASSWORD}.png`, contentType: 'image/png' });

    expect(posted.status).toBe(201);
    expect(posted.body.message.body).toBe('Screenshot attached.');
    const [file] = await attachments(requesterToken(requesterId), ticketId);
    expect(file.fileName).toMatch(MASKED_PNG);
    const [credential] = await credentials(staffToken(), ticketId);
    expect((await reveal(ticketId, credential.id)).secret).toBe(MESSAGE_FILE_PASSWORD);
    const [event] = await sut.query<{ data: { credentialsVaulted?: number } }>(
      `SELECT event->'data' AS data FROM ${INTAKE_SCHEMA}.outbox WHERE event->>'type' = 'ticket.message_received' AND event->>'subject' = $1`,
      [ticketId],
    );
    expect(event.data.credentialsVaulted).toBe(1);
    expect(await everythingStored(sut)).not.toContain(MESSAGE_FILE_PASSWORD);
  });

  it('P9: a staff member’s upload, staff-only until a public message carries it, keeps its particulars for staff; no note to the requester', async () => {
    const ticketId = await fileTicket();
    const uploaded = await upload(staffToken(), ticketId, `password ${STAFF_FILE_PASSWORD}.png`);

    expect(uploaded.status).toBe(201);
    expect(uploaded.body.items[0].fileName).toMatch(MASKED_PNG);
    expect(await credentials(staffToken(), ticketId)).toEqual([expect.objectContaining({ visibility: 'internal', createdBy: 'staff' })]);
    expect(await credentials(partnerToken(), ticketId)).toEqual([]);
    expect((await thread(partnerToken(), ticketId)).filter((m) => m.author.kind === 'system' && m.body.includes('access particulars'))).toEqual([]);
    expect(await everythingStored(sut)).not.toContain(STAFF_FILE_PASSWORD);
  });

  it('P9: a refused file’s name is quoted in the problem without its particulars (the answer is kept for Idempotency-Key replays)', async () => {
    const ticketId = await fileTicket();
    const refused = await sut
      .http()
      .post(`/v1/tickets/${ticketId}/attachments`)
      .auth(partnerToken(), bearer)
      .set('idempotency-key', randomUUID())
      .attach('file', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64, 1)]), { filename: 'password ExePw#9900.exe', contentType: 'application/octet-stream' });

    expect(refused.status).toBe(415);
    expect(refused.body.file).toBe('"[access particulars removed].exe"');
    expect(JSON.stringify(refused.body)).not.toContain('ExePw#9900');
    expect(await everythingStored(sut)).not.toContain('ExePw#9900');
  });

  it('a name that only mentions a password is kept as sent, and nothing is vaulted', async () => {
    const ticketId = await fileTicket();
    const uploaded = await upload(partnerToken(), ticketId, 'password reset page.png');

    expect(uploaded.body.items[0].fileName).toBe('password reset page.png');
    expect(await credentials(staffToken(), ticketId)).toEqual([]);
  });
});
