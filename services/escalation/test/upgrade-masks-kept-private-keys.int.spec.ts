import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src/index';
import { MaskKeptPrivateKeys1765606500000 } from '../src/store/migrations/1765606500000-mask-kept-private-keys';

const MARK = 'PRIVKEYMARK44E';
const REMOVED = '[access particulars removed]';
const RSA_KEY = ['-----BEGIN RSA PRIVATE KEY-----', `MIIEowIBAAKCAQEAtRT5${MARK}9x8y7z6`, '-----END RSA PRIVATE KEY-----'].join('\n');
const OPENSSH_KEY = ['-----BEGIN OPENSSH PRIVATE KEY-----', `b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ${MARK}`, '-----END OPENSSH PRIVATE KEY-----'].join('\n');
/** "password: <key>" as the detection before 2026-12-05 (fifth session) masked it: "-----BEGIN" went as the value. */
const HALF_MASKED = `${REMOVED} EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk${MARK}3yByxZp\nAwEHoUQDQgAE==\n-----END EC PRIVATE KEY-----`;
const CERTIFICATE = ['-----BEGIN CERTIFICATE-----', 'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaCERTMARK44', '-----END CERTIFICATE-----'].join('\n');

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): escalation masked what it keeps with
// the detection of each release's day, which took no private key before the fifth session; and a key
// pasted after "password:" lost only its "-----BEGIN".
describe('upgrade: private keys escalation kept in clear (migration 1765606500000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const ticketId = randomUUID();
  const partnerId = randomUUID();
  const ids = { referral: randomUUID(), plainReferral: randomUUID(), escalation: randomUUID(), answer: 'a'.repeat(64), events: [] as string[] };
  let sut: ServiceUnderTest;

  const keptEvent = async (query: Query, type: string, data: Record<string, unknown>, publishedAt: Date | null) => {
    const id = randomUUID();
    const [{ position }] = (await query(
      `INSERT INTO escalation.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, $2, 'tss.escalation', $3, $4, now(), $5) RETURNING position::text AS position`,
      [id, type, ticketId, { id, type, subject: ticketId, data: { partnerId, ...data } }, publishedAt],
    )) as { position: string }[];
    return position;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, {
      clock,
      database: {
        before: 1765606500000,
        // As the release before this one kept them: masked for passwords, keys left (or half-masked).
        write: async (query) => {
          const at = new Date('2026-12-05T09:00:00.000Z');
          await query(`INSERT INTO escalation.referral_tickets (ticket_id, partner_id, reference) VALUES ($1, $2, 'TSS-AAAAA-BBBBB')`, [ticketId, partnerId]);
          const referral = `INSERT INTO escalation.referrals (id, ticket_id, partner_id, target, reason, status, requested_by, requested_at, answered_at, outcome, outcome_by, outcome_at)
                            VALUES ($1, $2, $3, 'quality', $4, 'applied', 'agent-1', $6, $6, $5, 'quality-1', $6)`;
          await query(referral, [ids.referral, ticketId, partnerId, `Reader rejects our key:\n${RSA_KEY}`, `Checked with admin ${HALF_MASKED}`, at]);
          await query(referral, [ids.plainReferral, ticketId, partnerId, `Our certificate:\n${CERTIFICATE}`, null, at]);
          await query(
            `INSERT INTO escalation.escalations (id, ticket_id, partner_id, kind, level, rule, cause_key, cause_event_id, cause_type, target_role, target_staff_ids, quote, summary, status, raised_at, resolved_at, resolved_by, outcome, last_notified_at)
             VALUES ($1::uuid, $2, $3, 'quality', NULL, 'not-solved', $1::text, $4, 'rating.submitted', 'team_leader', '{}', $5, $6, 'resolved', $7, $7, 'lead-1', $8, $7)`,
            [ids.escalation, ticketId, partnerId, randomUUID(), `Still broken, my key:\n${OPENSSH_KEY}`, `Not solved: Still broken, my key:\n${OPENSSH_KEY}`, at, `Handled; the key: ${HALF_MASKED.replace(/\n/g, ' ')}`],
          );
          const override = (note: string) => ({ staffId: 'lead-1', role: 'team_leader', from: '2026-12-31T06:00:00.000Z', to: '2027-01-02T06:00:00.000Z', duty: 'off', note });
          await query(`INSERT INTO escalation.rosters (version, roster, changed_by, changed_at) VALUES (1, $1, 'lead-1', $2)`, [{ shifts: [], overrides: [override(`VPN key ${HALF_MASKED}`), override('cover')] }, at]);
          await query(`INSERT INTO escalation.staff (staff_id, roles, display_name, email, active, changed_at) VALUES ('sc_key', '{agent}', $1, NULL, true, $2)`, [`Bob ${HALF_MASKED}`, at]);
          await query(
            `INSERT INTO escalation.idempotency_keys (id, principal, method, path, key, fingerprint, state, claim_token, response_status, response_headers, response_body, created_at, completed_at, expires_at)
             VALUES ($1, 'staff:agent-1', 'POST', $2, 'retry-1', $3, 'done', $4, 202, '{}'::jsonb, $5, $6, $6, '2026-12-06T09:00:00Z')`,
            [ids.answer, `/v1/tickets/${ticketId}/referrals`, 'f'.repeat(64), randomUUID(), Buffer.from(JSON.stringify({ id: ids.referral, reason: `Reader rejects our key:\n${RSA_KEY}` })), at],
          );
          ids.events = [
            await keptEvent(query, 'escalation.referral_requested', { referralId: ids.referral, requestedBy: 'agent-1', reason: `Reader rejects our key:\n${RSA_KEY}` }, at),
            await keptEvent(query, 'escalation.resolved', { escalationId: ids.escalation, outcome: `Handled; the key: ${HALF_MASKED}` }, null),
          ];
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  /** Every row of escalation's schema as text, and the kept answers' bytes read as text. */
  const tablesHolding = async (needle: string): Promise<string[]> => {
    const tables = await sut.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'escalation' AND table_type = 'BASE TABLE'`);
    const holding: string[] = [];
    for (const { name } of tables) {
      const [{ n }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM escalation."${name}" t WHERE strpos(row_to_json(t)::text, $1) > 0`, [needle]);
      if (n > 0) holding.push(name);
    }
    const [{ n }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM escalation.idempotency_keys WHERE strpos(convert_from(response_body, 'UTF8'), $1) > 0`, [needle]);
    return n > 0 ? [...holding, 'idempotency_keys (answer)'] : holding;
  };

  it('P9: no table of escalation holds any key, whole or half-masked', async () => {
    expect(await tablesHolding(MARK)).toEqual([]);
    expect(await tablesHolding('PRIVATE KEY')).toEqual([]);
  });

  it('P9: each key is removed where it was, and nothing else of the text changes', async () => {
    const lead = sut.token({ kind: 'staff', sub: 'lead-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage tickets:read' });
    const referral = await sut.http().get(`/v1/tickets/${ticketId}/referrals/${ids.referral}`).auth(lead, { type: 'bearer' });
    expect(referral.status).toBe(200);
    expect(referral.body).toMatchObject({ reason: `Reader rejects our key:\n${REMOVED}`, outcome: { text: `Checked with admin ${REMOVED}` } });
    const [escalation] = await sut.query<{ quote: string; summary: string; outcome: string }>(`SELECT quote, summary, outcome FROM escalation.escalations WHERE id = $1`, [ids.escalation]);
    expect(escalation).toEqual({ quote: `Still broken, my key:\n${REMOVED}`, summary: `Not solved: Still broken, my key:\n${REMOVED}`, outcome: `Handled; the key: ${REMOVED}` });
    const [roster] = await sut.query<{ roster: { overrides: { note: string }[] } }>(`SELECT roster FROM escalation.rosters WHERE version = 1`);
    expect(roster.roster.overrides.map((o) => o.note)).toEqual([`VPN key ${REMOVED}`, 'cover']);
    expect(await sut.query(`SELECT display_name FROM escalation.staff WHERE staff_id = 'sc_key'`)).toEqual([{ display_name: `Bob ${REMOVED}` }]);
    const [answer] = await sut.query<{ body: string; fingerprint: string | null }>(`SELECT convert_from(response_body, 'UTF8') AS body, fingerprint FROM escalation.idempotency_keys WHERE id = $1`, [ids.answer]);
    expect({ answer: JSON.parse(answer.body) as unknown, fingerprint: answer.fingerprint }).toEqual({ answer: { id: ids.referral, reason: `Reader rejects our key:\n${REMOVED}` }, fingerprint: null });
    const events = await sut.query<{ data: Record<string, unknown> }>(`SELECT event->'data' AS data FROM escalation.outbox WHERE position = ANY($1::bigint[]) ORDER BY position`, [ids.events]);
    expect(events.map((e) => e.data.reason ?? e.data.outcome)).toEqual([`Reader rejects our key:\n${REMOVED}`, `Handled; the key: ${REMOVED}`]);
  });

  it('a certificate stays as written, and running the migration again changes nothing', async () => {
    const snapshot = async () => ({
      referrals: await sut.query(`SELECT id, reason, outcome, rejection_reason FROM escalation.referrals ORDER BY id`),
      escalations: await sut.query(`SELECT id, quote, summary, outcome FROM escalation.escalations ORDER BY id`),
      rosters: await sut.query(`SELECT version, roster FROM escalation.rosters ORDER BY version`),
      staff: await sut.query(`SELECT staff_id, display_name FROM escalation.staff ORDER BY staff_id`),
      answers: await sut.query(`SELECT id, fingerprint, response_body FROM escalation.idempotency_keys ORDER BY id`),
      outbox: await sut.query(`SELECT position, event FROM escalation.outbox ORDER BY position`),
    });
    const before = await snapshot();
    expect(before.referrals).toContainEqual(expect.objectContaining({ id: ids.plainReferral, reason: `Our certificate:\n${CERTIFICATE}` }));
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptPrivateKeys1765606500000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
