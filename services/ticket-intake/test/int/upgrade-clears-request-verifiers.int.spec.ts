import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '@tss/service-kit';
import { sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { RequestVerifiersWithoutParticulars1765604800000 } from '../../src/store/migrations/1765604800000-request-verifiers-without-particulars';
import { insertMessageRow, insertTicketRow } from './support/ticket-rows';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const SECRET = 'SECRETMARK-Old-File#1';
const MESSAGE_SECRET = 'SECRETMARK-Old-Late#2';
const VAULTED = '[credentials stored securely: TSS vault #1a2b3c4d]';

// P9 (docs/adr/0026 and 0028, addenda of 2026-12-05, fourth session): releases before kept on every
// ticket and message a SHA-256 of the request as written, particulars included, and each key's
// fingerprint likewise; the migrations clear those that may hold particulars.
describe('upgrade: verifiers of requests as written (migrations 1765604800000 and 1765604810000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const requesterId = 'client-1';
  const written = { filedWithSecret: sampleTicket({ description: `Login fails. password: ${SECRET}` }), filedClean: sampleTicket({ subject: 'Filed clean' }) };
  const messages = { withSecret: `late comment password: ${MESSAGE_SECRET}`, clean: 'It also happens with PDF files.' };
  /** What older releases stored: the hash of the text as written. */
  const oldHash = {
    filedWithSecret: sha256(canonicalJson(written.filedWithSecret)),
    filedClean: sha256(canonicalJson(written.filedClean)),
    messageWithSecret: sha256(canonicalJson({ author: requesterId, visibility: 'public', body: messages.withSecret, attachmentIds: [] })),
    messageClean: sha256(canonicalJson({ author: requesterId, visibility: 'public', body: messages.clean, attachmentIds: [] })),
    unkeyed: sha256('{"description":"an unkeyed request"}'),
    fingerprint: sha256('{"label":"K","secret":"SECRETMARK-66-Idem#"}'),
  };
  const ids = { filedWithSecret: '', filedClean: '', unkeyed: '', messageWithSecret: '', messageClean: '', messageUnkeyed: '' };
  let sut: ServiceUnderTest;
  const partnerToken = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });

  const keyTicket = (query: Query, id: string, key: string | null, hash: string) =>
    query(`UPDATE ticket_intake.tickets SET idempotency_key = $2, request_hash = $3 WHERE id = $1`, [id, key, hash]);
  const keyMessage = (query: Query, id: string, key: string | null, hash: string) =>
    query(`UPDATE ticket_intake.messages SET idempotency_key = $2, request_hash = $3, author_id = $4 WHERE id = $1`, [id, key, hash, requesterId]);

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765604800000,
        // As releases up to c79adae kept them: the text masked, its hash as written beside it.
        write: async (query) => {
          const at = new Date('2026-12-05T09:00:00.000Z');
          ids.filedWithSecret = await insertTicketRow(query, { partnerId, requesterId, receivedAt: at, description: `Login fails. ${VAULTED}` });
          await keyTicket(query, ids.filedWithSecret, 'old-secret', oldHash.filedWithSecret);
          ids.filedClean = await insertTicketRow(query, { partnerId, requesterId, receivedAt: at, subject: 'Filed clean' });
          await keyTicket(query, ids.filedClean, 'old-clean', oldHash.filedClean);
          ids.unkeyed = await insertTicketRow(query, { partnerId, requesterId, receivedAt: at });
          await keyTicket(query, ids.unkeyed, null, oldHash.unkeyed);

          const thread = { ticketId: ids.filedClean, partnerId, visibility: 'public' as const, createdAt: at };
          ids.messageWithSecret = await insertMessageRow(query, { ...thread, body: `late comment ${VAULTED}` });
          await keyMessage(query, ids.messageWithSecret, 'old-message-secret', oldHash.messageWithSecret);
          ids.messageClean = await insertMessageRow(query, { ...thread, body: messages.clean });
          await keyMessage(query, ids.messageClean, 'old-message-clean', oldHash.messageClean);
          ids.messageUnkeyed = await insertMessageRow(query, { ...thread, body: messages.clean });
          await keyMessage(query, ids.messageUnkeyed, null, oldHash.unkeyed);

          await query(
            `INSERT INTO ticket_intake.idempotency_keys (id, principal, method, path, key, fingerprint, state, claim_token, lease_until, response_status, response_headers, response_body, created_at, completed_at, expires_at)
             VALUES ($1, $2, 'POST', $3, 'old-credentials', $4, 'done', $5, NULL, 409, '{}'::jsonb, ''::bytea, $6, $6, $7)`,
            [randomUUID(), `partner:${partnerId}`, `/v1/tickets/${ids.filedClean}/credentials`, oldHash.fingerprint, randomUUID(), at, new Date('2026-12-06T09:00:00.000Z')],
          );
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const verifiers = async () => ({
    tickets: Object.fromEntries(
      (await sut.query<{ id: string; request_hash: string | null }>(`SELECT id::text AS id, request_hash FROM ticket_intake.tickets WHERE partner_id = $1`, [partnerId])).map((r) => [r.id, r.request_hash]),
    ),
    messages: Object.fromEntries(
      (await sut.query<{ id: string; request_hash: string | null }>(`SELECT id::text AS id, request_hash FROM ticket_intake.messages WHERE partner_id = $1`, [partnerId])).map((r) => [r.id, r.request_hash]),
    ),
    fingerprints: (await sut.query<{ fingerprint: string | null }>(`SELECT fingerprint FROM ticket_intake.idempotency_keys`)).map((r) => r.fingerprint),
  });

  it('P9: no verifier that may hold particulars survives: those of masked text, of unkeyed rows and every key’s fingerprint', async () => {
    const kept = await verifiers();

    expect(kept.tickets).toEqual({ [ids.filedWithSecret]: null, [ids.filedClean]: oldHash.filedClean, [ids.unkeyed]: null });
    expect(kept.messages).toEqual({ [ids.messageWithSecret]: null, [ids.messageClean]: oldHash.messageClean, [ids.messageUnkeyed]: null });
    expect(kept.fingerprints).toEqual([null]);
  });

  it('a retry of a request whose verifier was cleared gets its ticket or message by the key alone', async () => {
    const ticket = await sut.http().post('/v1/tickets').auth(partnerToken(), { type: 'bearer' }).set('idempotency-key', 'old-secret').send(written.filedWithSecret);
    const message = await sut
      .http()
      .post(`/v1/tickets/${ids.filedClean}/messages`)
      .auth(partnerToken(), { type: 'bearer' })
      .set('idempotency-key', 'old-message-secret')
      .send({ body: messages.withSecret });

    expect({ status: ticket.status, id: ticket.body.id }).toEqual({ status: 201, id: ids.filedWithSecret });
    expect({ status: message.status, id: message.body.message?.id }).toEqual({ status: 201, id: ids.messageWithSecret });
  });

  it('a verifier kept (text kept as written) still tells its retry from another request', async () => {
    const post = (path: string, key: string, body: object) => sut.http().post(path).auth(partnerToken(), { type: 'bearer' }).set('idempotency-key', key).send(body);
    const forget = (key: string) => sut.query(`DELETE FROM ticket_intake.idempotency_keys WHERE key = $1`, [key]);
    const retry = await post('/v1/tickets', 'old-clean', written.filedClean);
    await forget('old-clean');
    const other = await post('/v1/tickets', 'old-clean', { ...written.filedClean, productVersion: '9.9.9' });
    const messagePath = `/v1/tickets/${ids.filedClean}/messages`;
    const messageRetry = await post(messagePath, 'old-message-clean', { body: messages.clean });
    await forget('old-message-clean');
    const otherMessage = await post(messagePath, 'old-message-clean', { body: 'Another text.' });

    expect({ status: retry.status, id: retry.body.id }).toEqual({ status: 201, id: ids.filedClean });
    expect(other.status).toBe(422);
    expect({ status: messageRetry.status, id: messageRetry.body.message?.id }).toEqual({ status: 201, id: ids.messageClean });
    expect(otherMessage.status).toBe(422);
  });

  it('running the migration again changes nothing', async () => {
    const before = await verifiers();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new RequestVerifiersWithoutParticulars1765604800000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await verifiers()).toEqual(before);
  });
});
