import { createHash, randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src/index';
import { MaskKeptAnswers1765606140000 } from '../src/store/migrations/1765606140000-mask-kept-answers';

const PASSWORD = 'SECRETMARK-77-KeptAnswer#';
const REMOVED = '[access particulars removed]';
const AT = '2026-12-05T09:00:00.000Z';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): the runtime keeps the answer to a POST
// sent with an Idempotency-Key for 24 h, to replay it to a retry (docs/adr/0028). An older release's
// answer to a referral repeats its reason as staff wrote it; the fourth session's 1765604950000
// masked the referral, not this copy, which a retry would still be sent.
describe('upgrade: answers escalation kept for retries, in clear (migration 1765606140000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ticketId = randomUUID();
  const referralId = randomUUID();
  const agentId = 'agent-1';
  const path = `/v1/tickets/${ticketId}/referrals`;
  const answer = (reason: string) => ({ id: referralId, ticketId, target: 'development', reason, status: 'requested', requestedBy: agentId, requestedAt: AT });
  const plainAnswer = { id: randomUUID(), ticketId, target: 'quality', reason: 'The forgot password page fails again.', status: 'requested', requestedBy: agentId, requestedAt: AT };
  let sut: ServiceUnderTest;

  // The runtime's record id of a key (keyRecordId in libs/runtime): the caller, the method, the path and the key.
  const recordId = (key: string) => createHash('sha256').update([`staff:${agentId}`, 'POST', path, key].join('\0')).digest('hex');
  const keptAnswer = (query: Query, key: string, body: Buffer) =>
    query(
      `INSERT INTO escalation.idempotency_keys (id, principal, method, path, key, state, claim_token, response_status, response_headers, response_body, created_at, completed_at, expires_at)
       VALUES ($1, $2, 'POST', $3, $4, 'done', $5, 202, '{"content-type":"application/json; charset=utf-8"}', $6, $7, $7, '2026-12-06T09:00:00Z')`,
      [recordId(key), `staff:${agentId}`, path, key, randomUUID(), body, AT],
    );

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, {
      clock,
      database: {
        // The release before the fourth session's masking, which kept the referral itself in clear too.
        before: 1765604950000,
        write: async (query) => {
          await query(`INSERT INTO escalation.referral_tickets (ticket_id, partner_id, reference) VALUES ($1, $2, 'TSS-AAAAA-BBBBB')`, [ticketId, partnerId]);
          await query(
            `INSERT INTO escalation.referrals (id, ticket_id, partner_id, target, reason, status, requested_by, requested_at) VALUES ($1, $2, $3, 'development', $4, 'requested', $5, $6)`,
            [referralId, ticketId, partnerId, `Needs a fix; admin password: ${PASSWORD}`, agentId, AT],
          );
          await keptAnswer(query, 'retry-1', Buffer.from(JSON.stringify(answer(`Needs a fix; admin password: ${PASSWORD}`))));
          await keptAnswer(query, 'retry-2', Buffer.from(JSON.stringify(plainAnswer)));
          await keptAnswer(query, 'retry-3', Buffer.from([0x7b, 0xff, 0x7d]));
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const kept = async () => (await sut.query<{ key: string; body: Buffer }>(`SELECT key, response_body AS body FROM escalation.idempotency_keys ORDER BY key`)).map((k) => [k.key, k.body]);

  it('P9: a retry of an older release’s referral gets its answer with the reason masked, as the referral now reads', async () => {
    const agent = sut.token({ kind: 'staff', sub: agentId, roles: ['agent'], scope: 'tickets:read tickets:write escalations:read' });
    const retry = await sut.http().post(path).auth(agent, { type: 'bearer' }).set('Idempotency-Key', 'retry-1').send({ target: 'development', reason: 'Needs a fix; admin password: anything' });
    expect(retry.status).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(answer(`Needs a fix; admin ${REMOVED}`));
    const read = await sut.http().get(`${path}/${referralId}`).auth(agent, { type: 'bearer' });
    expect(read.body).toMatchObject({ reason: retry.body.reason });
    expect(JSON.stringify(await kept())).not.toContain(PASSWORD);
    expect((await kept()).map(([, body]) => (body as Buffer).includes(PASSWORD))).toEqual([false, false, false]);
  });

  it('answers without particulars, or that are no UTF-8 JSON, stay byte for byte', async () => {
    const byKey = Object.fromEntries(await kept()) as Record<string, Buffer>;
    expect(byKey['retry-2'].toString('utf8')).toBe(JSON.stringify(plainAnswer));
    expect(byKey['retry-3']).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
  });

  it('running the migration again changes nothing', async () => {
    const before = await kept();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptAnswers1765606140000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await kept()).toEqual(before);
  });
});
