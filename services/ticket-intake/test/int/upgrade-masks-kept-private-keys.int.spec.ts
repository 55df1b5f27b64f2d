import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { MaskKeptPrivateKeys1765606300000 } from '../../src/store/migrations/1765606300000-mask-kept-private-keys';
import { insertMessageRow, insertTicketRow } from './support/ticket-rows';

const MARK = 'PRIVKEYMARK43U';
const REMOVED = '[access particulars removed]';
const STEPS_KEY = ['-----BEGIN RSA PRIVATE KEY-----', `MIIEowIBAAKCAQEAtRT5${MARK}9x8y7z6`, '-----END RSA PRIVATE KEY-----'].join('\n');
const MESSAGE_KEY = ['-----BEGIN OPENSSH PRIVATE KEY-----', `b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ${MARK}`, '-----END OPENSSH PRIVATE KEY-----'].join('\n');
/** Cut short and pasted into one line. */
const NOTE_KEY = `-----BEGIN EC PRIVATE KEY----- MHcCAQEEIBkg4LVWM9nuwNSk${MARK}3yByxZp`;
const CLOSURE_KEY = ['-----BEGIN PGP PRIVATE KEY BLOCK-----', '', `lQOYBF3kQ2EBCADKpX9v7e3Yk0a1b2c3d4e5f6${MARK}`, '-----END PGP PRIVATE KEY BLOCK-----'].join('\n');
const CERTIFICATE = ['-----BEGIN CERTIFICATE-----', 'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaCERTMARK43', '-----END CERTIFICATE-----'].join('\n');
const VAULTED = '[credentials stored securely: TSS vault #1a2b3c4d]';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): releases before it kept a pasted
// private key as written, in every copy intake keeps of a text; the upgrade removes each key's block.
describe('upgrade: private keys kept in clear by older releases (migration 1765606300000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { leaky: '', closed: '', ordinary: '', message: '', note: '', certificate: '', history: '', detailsEvent: '', respondedEvent: '', answer: '' };
  let sut: ServiceUnderTest;

  const keptEvent = async (query: Query, ticketId: string, type: string, data: Record<string, unknown>) => {
    const id = randomUUID();
    const [{ position }] = (await query(
      `INSERT INTO ticket_intake.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, $2, 'tss.ticket', $3, $4, now(), now()) RETURNING position::text AS position`,
      [id, type, ticketId, { id, type, subject: ticketId, data: { partnerId, sequence: 3, ...data } }],
    )) as { position: string }[];
    return position;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765606300000,
        // As the release before this one kept the outside tester's texts.
        write: async (query) => {
          const at = new Date('2026-12-05T09:00:00.000Z');
          ids.leaky = await insertTicketRow(query, { partnerId, receivedAt: at, description: `Reader rejects our key:\n${STEPS_KEY}`, stepsToReproduce: `Open it with ${STEPS_KEY}` });
          await query(`UPDATE ticket_intake.tickets SET idempotency_key = 'filed-with-key', request_hash = $2 WHERE id = $1`, [ids.leaky, 'a'.repeat(64)]);
          ids.closed = await insertTicketRow(query, { partnerId, receivedAt: at, status: 'closed', responseOwed: false });
          await query(`UPDATE ticket_intake.tickets SET closure = $2::jsonb, closed_at = $3 WHERE id = $1`, [
            ids.closed,
            JSON.stringify({ reason: 'malware_removal', thirdParty: 'security_software_vendor', note: `Out of scope; the key you sent:\n${CLOSURE_KEY}` }),
            at,
          ]);
          ids.ordinary = await insertTicketRow(query, { partnerId, receivedAt: at, description: `Our certificate:\n${CERTIFICATE}`, stepsToReproduce: `Here: ${VAULTED}` });

          const thread = { ticketId: ids.leaky, partnerId, createdAt: at };
          ids.message = await insertMessageRow(query, { ...thread, body: `Login fails, ${VAULTED} still. Also my private key:\n${MESSAGE_KEY}`, visibility: 'public' });
          await query(`UPDATE ticket_intake.messages SET idempotency_key = 'message-with-key', request_hash = $2 WHERE id = $1`, [ids.message, 'b'.repeat(64)]);
          ids.note = await insertMessageRow(query, { ...thread, body: `Key for the team: ${NOTE_KEY}`, visibility: 'internal' });
          ids.certificate = await insertMessageRow(query, { ...thread, body: `Our certificate:\n${CERTIFICATE}`, visibility: 'public' });
          // A details change keeps the steps it replaced and the new ones (docs/adr/0069).
          const [{ id: historyId }] = (await query(
            `INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail, sequence) VALUES ($1, $2, $3, 'staff', 'agent-1', 'details_changed', $4, 3) RETURNING id::text AS id`,
            [ids.leaky, partnerId, at, { fields: ['stepsToReproduce'], from: {}, to: { stepsToReproduce: `Open it with ${STEPS_KEY}` } }],
          )) as { id: string }[];
          ids.history = historyId;
          ids.detailsEvent = await keptEvent(query, ids.leaky, 'ticket.details_changed', { fields: ['stepsToReproduce'], from: {}, to: { stepsToReproduce: `Open it with ${STEPS_KEY}` } });
          ids.respondedEvent = await keptEvent(query, ids.leaky, 'ticket.responded', { messageId: ids.message, authorId: 'agent-1', body: `Use this key:\n${MESSAGE_KEY}` });
          // The message's 201, kept 24 h for a retry under its Idempotency-Key, with the body as stored.
          ids.answer = randomUUID();
          await query(
            `INSERT INTO ticket_intake.idempotency_keys (id, principal, method, path, key, fingerprint, state, claim_token, lease_until, response_status, response_headers, response_body, created_at, completed_at, expires_at)
             VALUES ($1, $2, 'POST', $3, 'message-with-key', $4, 'done', $5, NULL, 201, '{}'::jsonb, convert_to($6, 'UTF8'), $7, $7, $8)`,
            [
              ids.answer,
              `partner:${partnerId}`,
              `/v1/tickets/${ids.leaky}/messages`,
              'c'.repeat(64),
              randomUUID(),
              JSON.stringify({ message: { id: ids.message, body: `Also my private key:\n${MESSAGE_KEY}` } }),
              at,
              new Date('2026-12-06T09:00:00.000Z'),
            ],
          );
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const staff = () => sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
  const get = (path: string) => sut.http().get(path).auth(staff(), { type: 'bearer' });
  /** Every row of intake's schema as text, lower-cased too, as the search document keeps words. */
  const tablesHolding = async (needle: string): Promise<string[]> => {
    const tables = await sut.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'ticket_intake' AND table_type = 'BASE TABLE'`);
    const holding: string[] = [];
    for (const { name } of tables) {
      const [{ n }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM ticket_intake."${name}" t WHERE strpos(lower(row_to_json(t)::text), lower($1)) > 0`, [needle]);
      if (n > 0) holding.push(name);
    }
    return holding;
  };

  it('P9: no table of intake holds any of the keys, the search document included', async () => {
    expect(await tablesHolding(MARK)).toEqual([]);
    // The answer kept for retries is bytes: read as text.
    const [{ body }] = await sut.query<{ body: string }>(`SELECT convert_from(response_body, 'UTF8') AS body FROM ticket_intake.idempotency_keys WHERE id = $1`, [ids.answer]);
    expect(JSON.parse(body)).toEqual({ message: { id: ids.message, body: `Also my private key:\n${REMOVED}` } });
    const found = await get(`/v1/tickets?q=${encodeURIComponent(MARK.toLowerCase())}`);
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual([]);
  });

  it('P9: each key is removed where it was, and nothing else of the text changes', async () => {
    const ticket = await get(`/v1/tickets/${ids.leaky}`);
    expect(ticket.status).toBe(200);
    expect({ description: ticket.body.description, stepsToReproduce: ticket.body.stepsToReproduce }).toEqual({ description: `Reader rejects our key:\n${REMOVED}`, stepsToReproduce: `Open it with ${REMOVED}` });
    expect((await get(`/v1/tickets/${ids.closed}`)).body.closure).toEqual({ reason: 'malware_removal', thirdParty: 'security_software_vendor', note: `Out of scope; the key you sent:\n${REMOVED}` });

    const bodies = Object.fromEntries(
      (await sut.query<{ id: string; body: string }>(`SELECT id::text AS id, body FROM ticket_intake.messages WHERE ticket_id = $1`, [ids.leaky])).map((m) => [m.id, m.body]),
    );
    expect(bodies).toEqual({
      [ids.message]: `Login fails, ${VAULTED} still. Also my private key:\n${REMOVED}`,
      [ids.note]: `Key for the team: ${REMOVED}`,
      [ids.certificate]: `Our certificate:\n${CERTIFICATE}`,
    });
    const [{ detail }] = await sut.query<{ detail: unknown }>(`SELECT detail FROM ticket_intake.ticket_history WHERE id = $1`, [ids.history]);
    expect(detail).toEqual({ fields: ['stepsToReproduce'], from: {}, to: { stepsToReproduce: `Open it with ${REMOVED}` } });
    const events = Object.fromEntries(
      (
        await sut.query<{ position: string; data: Record<string, unknown> }>(`SELECT position::text AS position, event->'data' AS data FROM ticket_intake.outbox WHERE position = ANY($1::bigint[])`, [
          [ids.detailsEvent, ids.respondedEvent],
        ])
      ).map((e) => [e.position, e.data]),
    );
    expect(events[ids.detailsEvent]).toEqual({ partnerId, sequence: 3, fields: ['stepsToReproduce'], from: {}, to: { stepsToReproduce: `Open it with ${REMOVED}` } });
    expect(events[ids.respondedEvent]).toEqual({ partnerId, sequence: 3, messageId: ids.message, authorId: 'agent-1', body: `Use this key:\n${REMOVED}` });
  });

  it('a masked row keeps no verifier of the text as written (its retry is compared by its key alone); the others keep theirs', async () => {
    const [ticket] = await sut.query<{ request_hash: string | null }>(`SELECT request_hash FROM ticket_intake.tickets WHERE id = $1`, [ids.leaky]);
    const [message] = await sut.query<{ request_hash: string | null }>(`SELECT request_hash FROM ticket_intake.messages WHERE id = $1`, [ids.message]);
    const [answer] = await sut.query<{ fingerprint: string | null }>(`SELECT fingerprint FROM ticket_intake.idempotency_keys WHERE id = $1`, [ids.answer]);
    expect({ ticket: ticket.request_hash, message: message.request_hash, answer: answer.fingerprint }).toEqual({ ticket: null, message: null, answer: null });
  });

  it('a certificate and text masked before stay as written, and running the migration again changes nothing', async () => {
    const snapshot = async () => ({
      tickets: await sut.query(`SELECT id, request, closure, request_hash, search_document::text AS search FROM ticket_intake.tickets ORDER BY id`),
      messages: await sut.query(`SELECT id, body, request_hash FROM ticket_intake.messages ORDER BY id`),
      history: await sut.query(`SELECT id, detail FROM ticket_intake.ticket_history ORDER BY id`),
      outbox: await sut.query(`SELECT position, event FROM ticket_intake.outbox ORDER BY position`),
      answers: await sut.query(`SELECT id, fingerprint, response_body FROM ticket_intake.idempotency_keys ORDER BY id`),
    });
    const before = await snapshot();
    expect(before.tickets.find((t) => (t as { id: string }).id === ids.ordinary)).toMatchObject({ request: { description: `Our certificate:\n${CERTIFICATE}`, stepsToReproduce: `Here: ${VAULTED}` } });
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptPrivateKeys1765606300000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
