import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { MaskKeptKeyRemainders1765606530000 } from '../../src/store/migrations/1765606530000-mask-kept-key-remainders';
import { insertMessageRow, insertTicketRow } from './support/ticket-rows';

const MARK = 'PRIVKEYMARK44I';
const REMOVED = '[access particulars removed]';
const VAULTED = '[credentials stored securely: TSS vault #1a2b3c4d]';
/** What "password: <key>" became in an older release: "-----BEGIN" went as the value, the rest stayed. */
const rest = (placeholder: string) => `${placeholder} RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtRT5${MARK}9x8y7z6\nAbCdEf0123456789==\n-----END RSA PRIVATE KEY-----`;
const ONE_LINE_REST = `${REMOVED} EC PRIVATE KEY----- MHcCAQEEIBkg4LVWM9nuwNSk${MARK}3yByxZp -----END EC PRIVATE KEY-----`;

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): before the fifth session a key after
// "password:" lost only its "-----BEGIN" to the password's value; the rest of its block has no
// BEGIN line, so the fifth session's 1765606300000 (whole keys) left it.
describe('upgrade: what older releases left of half-masked private keys (migration 1765606530000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { ticket: '', message: '', ordinary: '', history: '', event: '', answer: '' };
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765606530000,
        write: async (query: Query) => {
          const at = new Date('2026-12-05T09:00:00.000Z');
          ids.ticket = await insertTicketRow(query, { partnerId, receivedAt: at, description: `Reader rejects it, password: ${rest(REMOVED)}\nThanks, Ann`, stepsToReproduce: `Open it. ${ONE_LINE_REST}` });
          await query(`UPDATE ticket_intake.tickets SET idempotency_key = 'filed-with-key', request_hash = $2 WHERE id = $1`, [ids.ticket, 'a'.repeat(64)]);
          const thread = { ticketId: ids.ticket, partnerId, createdAt: at };
          ids.message = await insertMessageRow(query, { ...thread, body: `Login fails, password: ${rest(VAULTED)}`, visibility: 'public' });
          ids.ordinary = await insertMessageRow(query, { ...thread, body: 'The file ends with -----END RSA PRIVATE KEY----- as usual', visibility: 'public' });
          const [{ id }] = (await query(
            `INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail, sequence) VALUES ($1, $2, $3, 'staff', 'agent-1', 'responded', $4, 3) RETURNING id::text AS id`,
            [ids.ticket, partnerId, at, { messageId: ids.message, body: `Login fails, password: ${rest(VAULTED)}` }],
          )) as { id: string }[];
          ids.history = id;
          const eventId = randomUUID();
          const [{ position }] = (await query(
            `INSERT INTO ticket_intake.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, 'ticket.responded', 'tss.ticket', $2, $3, now(), now()) RETURNING position::text AS position`,
            [eventId, ids.ticket, { id: eventId, type: 'ticket.responded', subject: ids.ticket, data: { partnerId, sequence: 3, body: `Use token: ${rest(REMOVED)}` } }],
          )) as { position: string }[];
          ids.event = position;
          ids.answer = randomUUID();
          await query(
            `INSERT INTO ticket_intake.idempotency_keys (id, principal, method, path, key, fingerprint, state, claim_token, lease_until, response_status, response_headers, response_body, created_at, completed_at, expires_at)
             VALUES ($1, $2, 'POST', $3, 'message-with-key', $4, 'done', $5, NULL, 201, '{}'::jsonb, convert_to($6, 'UTF8'), $7, $7, $8)`,
            [ids.answer, `partner:${partnerId}`, `/v1/tickets/${ids.ticket}/messages`, 'c'.repeat(64), randomUUID(), JSON.stringify({ message: { id: ids.message, body: `password: ${rest(VAULTED)}` } }), at, new Date('2026-12-06T09:00:00.000Z')],
          );
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const tablesHolding = async (needle: string): Promise<string[]> => {
    const tables = await sut.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'ticket_intake' AND table_type = 'BASE TABLE'`);
    const holding: string[] = [];
    for (const { name } of tables) {
      const [{ n }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM ticket_intake."${name}" t WHERE strpos(lower(row_to_json(t)::text), lower($1)) > 0`, [needle]);
      if (n > 0) holding.push(name);
    }
    const [{ n }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM ticket_intake.idempotency_keys WHERE strpos(convert_from(response_body, 'UTF8'), $1) > 0`, [needle]);
    return n > 0 ? [...holding, 'idempotency_keys (answer)'] : holding;
  };

  it('P9: no table of intake holds the remainder of a key, the search document included', async () => {
    expect(await tablesHolding(MARK)).toEqual([]);
  });

  it('P9: each remainder goes, the placeholder standing for the key; prose naming an END line stays', async () => {
    const [ticket] = await sut.query<{ request: Record<string, unknown>; request_hash: string | null }>(`SELECT request, request_hash FROM ticket_intake.tickets WHERE id = $1`, [ids.ticket]);
    expect({ description: ticket.request.description, steps: ticket.request.stepsToReproduce, verifier: ticket.request_hash }).toEqual({
      description: `Reader rejects it, password: ${REMOVED}\nThanks, Ann`,
      steps: `Open it. ${REMOVED}`,
      verifier: null,
    });
    const bodies = Object.fromEntries((await sut.query<{ id: string; body: string }>(`SELECT id::text AS id, body FROM ticket_intake.messages`)).map((m) => [m.id, m.body]));
    expect(bodies).toEqual({ [ids.message]: `Login fails, password: ${VAULTED}`, [ids.ordinary]: 'The file ends with -----END RSA PRIVATE KEY----- as usual' });
    expect(await sut.query(`SELECT detail FROM ticket_intake.ticket_history WHERE id = $1`, [ids.history])).toEqual([{ detail: { messageId: ids.message, body: `Login fails, password: ${VAULTED}` } }]);
    expect(await sut.query(`SELECT event->'data' AS data FROM ticket_intake.outbox WHERE position = $1`, [ids.event])).toEqual([{ data: { partnerId, sequence: 3, body: `Use token: ${REMOVED}` } }]);
    const [answer] = await sut.query<{ body: string; fingerprint: string | null }>(`SELECT convert_from(response_body, 'UTF8') AS body, fingerprint FROM ticket_intake.idempotency_keys WHERE id = $1`, [ids.answer]);
    expect({ answer: JSON.parse(answer.body) as unknown, fingerprint: answer.fingerprint }).toEqual({ answer: { message: { id: ids.message, body: `password: ${VAULTED}` } }, fingerprint: null });
  });

  it('running the migration again changes nothing', async () => {
    const snapshot = async () => ({
      tickets: await sut.query(`SELECT id, request, closure, request_hash, search_document::text AS search FROM ticket_intake.tickets ORDER BY id`),
      messages: await sut.query(`SELECT id, body, request_hash FROM ticket_intake.messages ORDER BY id`),
      history: await sut.query(`SELECT id, detail FROM ticket_intake.ticket_history ORDER BY id`),
      outbox: await sut.query(`SELECT position, event FROM ticket_intake.outbox ORDER BY position`),
      answers: await sut.query(`SELECT id, fingerprint, response_body FROM ticket_intake.idempotency_keys ORDER BY id`),
    });
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptKeyRemainders1765606530000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
