import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pngBytes } from '@tss/blob-storage/testing';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const HOUR_MS = 60 * 60 * 1000;

// Issue #9, docs/adr/0028: the IETF Idempotency-Key draft on every POST of ticket-intake.
describe('Idempotency-Key on the POSTs of ticket-intake (IETF draft)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { partnerId: string; token: string; clientId: string; clientSecret: string };
  let blobRoot: string;

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-idempotency-blobs-'));
    platform = await startTestPlatform('idempotency', { env: { ATTACHMENT_DIR: blobRoot } });
    client = platform.client;
    acme = await client.partner(await platform.adminToken(), 'Acme Retries');
  });

  afterAll(async () => {
    await platform?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  const postWithKey = (path: string, key: string, body: string, token = acme.token) =>
    client.http().post(path).auth(token, { type: 'bearer' }).set('idempotency-key', key).set('content-type', 'application/json').send(body);
  const fileWithKey = (key: string, body: string, token = acme.token) => postWithKey('/v1/tickets', key, body, token);
  const ticketsWithKey = async (key: string, partnerId = acme.partnerId) =>
    (await platform.query<{ n: number }>('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.tickets WHERE partner_id = $1 AND idempotency_key = $2', [partnerId, key]))[0].n;
  const keyRow = async (key: string) =>
    (await platform.query<{ state: string; response_status: number | null }>('ticket-intake', 'SELECT state, response_status FROM ticket_intake.idempotency_keys WHERE key = $1', [key]))[0];

  it('a retry replays the original 201, its Location and body, with Idempotent-Replayed; one ticket is filed', async () => {
    const first = await fileWithKey('retry-same', JSON.stringify(sampleTicket()));
    const retry = await fileWithKey('retry-same', JSON.stringify(sampleTicket()));

    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.body).toEqual(first.body);
    expect(await ticketsWithKey('retry-same')).toBe(1);
  });

  it('a retry with the same fields in another order, nested ones included, replays the first answer', async () => {
    const first = await fileWithKey('retry-reordered', JSON.stringify({ ...sampleTicket(), requester: { name: 'Ann', email: 'ann@example.com' } }));
    const reordered = JSON.stringify({
      requester: { email: 'ann@example.com', name: 'Ann' },
      browser: 'Firefox 133',
      description: 'The reader closes when opening any EPUB from the library.',
      subject: 'Reader crashes on opening EPUB',
      productVersion: '4.2.1',
      product: 'reader',
    });

    const retry = await fileWithKey('retry-reordered', reordered);

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await ticketsWithKey('retry-reordered')).toBe(1);
  });

  it('the same key with a different body is a 422 problem, and files nothing more', async () => {
    const first = await fileWithKey('retry-changed', JSON.stringify(sampleTicket()));
    const changed = await fileWithKey('retry-changed', JSON.stringify(sampleTicket({ productVersion: '4.2.2' })));

    expect(first.status).toBe(201);
    expect(changed.status).toBe(422);
    expect(changed.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(changed.body).toMatchObject({ status: 422, type: 'https://tss.dev/problems/idempotency-key-reused' });
    expect(changed.headers['idempotent-replayed']).toBeUndefined();
    expect(await ticketsWithKey('retry-changed')).toBe(1);
  });

  it('concurrent first requests with one key: one 201, the others 409 (in flight) or replays of it; one ticket', async () => {
    const body = JSON.stringify(sampleTicket({ subject: 'raced' }));
    const answers = await Promise.all(Array.from({ length: 6 }, () => fileWithKey('raced', body)));

    const fresh = answers.filter((a) => a.status === 201 && a.headers['idempotent-replayed'] === undefined);
    expect(fresh).toHaveLength(1);
    for (const other of answers.filter((a) => a !== fresh[0])) {
      if (other.status === 409) {
        expect(other.body.type).toBe('https://tss.dev/problems/idempotency-in-flight');
        expect(Number(other.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      } else {
        expect({ status: other.status, replayed: other.headers['idempotent-replayed'], id: other.body.id }).toEqual({ status: 201, replayed: 'true', id: fresh[0].body.id });
      }
    }
    expect(await ticketsWithKey('raced')).toBe(1);
  });

  it('two partners may use the same key independently', async () => {
    const globex = await client.partner(await platform.adminToken(), 'Globex Retries');
    const ours = await fileWithKey('shared-key', JSON.stringify(sampleTicket()));
    const theirs = await fileWithKey('shared-key', JSON.stringify(sampleTicket()), globex.token);

    expect([ours.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.id).not.toBe(ours.body.id);
    expect(await ticketsWithKey('shared-key', globex.partnerId)).toBe(1);
  });

  it('a POST of another part (a message on a ticket) gets the same handling, and its 4xx answers are replayed too', async () => {
    const ticket = await fileWithKey(randomUUID(), JSON.stringify(sampleTicket()));
    const path = `/v1/tickets/${ticket.body.id}/messages`;
    const messages = async () => (await platform.query<{ n: number }>('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.messages WHERE ticket_id = $1', [ticket.body.id]))[0].n;
    const before = await messages();

    const first = await postWithKey(path, 'message-1', JSON.stringify({ body: 'It also happens with PDF files.' }));
    const retry = await postWithKey(path, 'message-1', JSON.stringify({ body: 'It also happens with PDF files.' }));
    const changed = await postWithKey(path, 'message-1', JSON.stringify({ body: 'Another text.' }));
    const missing = `/v1/tickets/${randomUUID()}/messages`;
    const notFound = await postWithKey(missing, 'message-2', JSON.stringify({ body: 'Hello?' }));
    const notFoundAgain = await postWithKey(missing, 'message-2', JSON.stringify({ body: 'Hello?' }));

    expect(first.status).toBe(201);
    expect([retry.status, retry.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(retry.body).toEqual(first.body);
    expect(changed.status).toBe(422);
    expect(await messages()).toBe(before + 1);
    expect(notFound.status).toBe(404);
    expect([notFoundAgain.status, notFoundAgain.headers['idempotent-replayed']]).toEqual([404, 'true']);
    expect(await keyRow('message-2')).toEqual({ state: 'done', response_status: 404 });
  });

  describe('a message with its files (multipart)', () => {
    const screenshot = pngBytes();
    const ticketWithKey = async () => (await fileWithKey(randomUUID(), JSON.stringify(sampleTicket()))).body.id as string;
    const postFiles = (ticketId: string, key: string) =>
      client.http().post(`/v1/tickets/${ticketId}/messages`).auth(acme.token, { type: 'bearer' }).set('idempotency-key', key).field('body', 'dup').attach('file', screenshot, 's.png');
    const countOf = async (table: 'messages' | 'attachments', ticketId: string) =>
      (await platform.query<{ n: number }>('ticket-intake', `SELECT count(*)::int AS n FROM ticket_intake.${table} WHERE ticket_id = $1`, [ticketId]))[0].n;
    /** The ticket's blobs in the attachment folder (`attachments/<partner>/<ticket>/<id>`, each with its `.meta.json`). */
    const blobsOf = async (ticketId: string) =>
      (await readdir(blobRoot, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.parentPath.includes(ticketId) && !e.name.endsWith('.meta.json')).length;
    const attachmentsOf = async (ticketId: string) =>
      (await client.http().get(`/v1/tickets/${ticketId}/attachments`).auth(acme.token, { type: 'bearer' })).body.items as { id: string; messageId: string | null }[];

    it('a retry replays the first answer and stores no files again: one message, one attachment, one blob', async () => {
      const ticketId = await ticketWithKey();
      const first = await postFiles(ticketId, 'files-1');
      const retries = [await postFiles(ticketId, 'files-1'), await postFiles(ticketId, 'files-1')];

      expect(first.status).toBe(201);
      for (const retry of retries) {
        expect([retry.status, retry.headers['idempotent-replayed']]).toEqual([201, 'true']);
        expect(retry.body).toEqual(first.body);
      }
      expect(await countOf('messages', ticketId)).toBe(1);
      expect(await attachmentsOf(ticketId)).toEqual([expect.objectContaining({ id: first.body.message.attachmentIds[0], messageId: first.body.message.id })]);
      expect(await blobsOf(ticketId)).toBe(1);
    });

    it('concurrent first requests with one key: one message and one set of files; the others 409 or replays', async () => {
      const ticketId = await ticketWithKey();
      const answers = await Promise.all(Array.from({ length: 4 }, () => postFiles(ticketId, 'files-raced')));

      const created = answers.filter((a) => a.status === 201 && a.headers['idempotent-replayed'] === undefined);
      expect(created).toHaveLength(1);
      for (const other of answers.filter((a) => a !== created[0])) expect([201, 409]).toContain(other.status);
      expect(await countOf('messages', ticketId)).toBe(1);
      expect(await countOf('attachments', ticketId)).toBe(1);
      expect(await blobsOf(ticketId)).toBe(1);
    });

    it('past the runtime’s key (a lease taken over after a crash), the message’s own key replays it by the files’ content and removes the new blobs', async () => {
      const ticketId = await ticketWithKey();
      const first = await postFiles(ticketId, 'files-lost-key');
      await platform.query('ticket-intake', 'DELETE FROM ticket_intake.idempotency_keys WHERE key = $1', ['files-lost-key']);
      expect(await keyRow('files-lost-key')).toBeUndefined();
      const retry = await postFiles(ticketId, 'files-lost-key');

      expect([retry.status, retry.headers['idempotent-replayed']]).toEqual([201, 'true']);
      expect(retry.body.message).toEqual(first.body.message);
      expect(await countOf('attachments', ticketId)).toBe(1);
      expect(await blobsOf(ticketId)).toBe(1);
    });

    it('a message refused after its files were read keeps none of them', async () => {
      const ticketId = await ticketWithKey();
      const agent = (await client.staff(await platform.adminToken(), ['agent'])).token;
      const current = await client.http().get(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' });
      const closed = await client
        .http()
        .patch(`/v1/tickets/${ticketId}`)
        .auth(agent, { type: 'bearer' })
        .set('if-match', current.headers.etag)
        .send({ status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } });
      expect(closed.status).toBe(200);

      const refused = await postFiles(ticketId, randomUUID());
      expect(refused.status).toBe(409);
      expect(await countOf('attachments', ticketId)).toBe(0);
      expect(await blobsOf(ticketId)).toBe(0);
    });
  });

  it('keys are kept 24 h: the prune deletes older ones and keeps younger ones', async () => {
    await fileWithKey('kept-old', JSON.stringify(sampleTicket()));
    platform.clock.advanceMs(23 * HOUR_MS);
    const token = await client.token(acme.clientId, acme.clientSecret);
    await fileWithKey('kept-young', JSON.stringify(sampleTicket()), token);
    platform.clock.advanceMs(HOUR_MS);
    // The service's own prune task, run once now rather than waited for: it reads the test clock.
    const prune = platform.running.platform.host('ticket-intake').parts.background?.find((task) => task.name === 'ticket-intake idempotency key prune');
    if (!prune || !('pruneOnce' in prune) || typeof prune.pruneOnce !== 'function') throw new Error('ticket-intake has no idempotency key prune task');

    const pruned: unknown = await prune.pruneOnce();

    expect(pruned).toBeGreaterThanOrEqual(1);
    expect(await keyRow('kept-old')).toBeUndefined();
    expect(await keyRow('kept-young')).toEqual({ state: 'done', response_status: 201 });
  });

  it('the OpenAPI document declares the header and the 409 and 422 problems on every POST of ticket-intake', async () => {
    type Operation = { tags?: string[]; parameters?: { in: string; name: string }[]; responses?: Record<string, unknown> };
    const document = (await client.http().get('/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const posts = Object.entries(document.paths).flatMap(([path, item]) => (item.post?.tags?.includes('ticket-intake') ? [{ path, operation: item.post }] : []));

    expect(posts.map((p) => p.path)).toEqual(expect.arrayContaining(['/v1/tickets', '/v1/tickets/{id}/messages']));
    const lacking = posts.filter(
      ({ operation }) => !operation.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key') || !operation.responses?.['409'] || !operation.responses?.['422'],
    );
    expect(lacking.map((p) => p.path)).toEqual([]);
  });
});
