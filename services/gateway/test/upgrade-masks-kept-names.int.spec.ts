import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { gatewayService } from '../src';
import { MaskKeptNames1765606400000 } from '../src/store/migrations/1765606400000-mask-kept-names';

const SECRETS = ['RT5-PN-pw7#', 'RT5-SN-pw8#', 'RT5-SSO-pw9#'];
const REMOVED = '[access particulars removed]';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): releases before it kept a partner's
// name and a staff member's display name as written, in the gateway's tables, its outbox
// (partner.*, staff.*) and the answers kept for Idempotency-Key retries.
describe('upgrade: names the gateway kept with access particulars (migration 1765606400000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const leakyPartner = randomUUID();
  const plainPartner = randomUUID();
  let sut: ServiceUnderTest;

  const event = async (query: Query, type: string, subject: string, data: Record<string, unknown>) =>
    query(
      `INSERT INTO gateway.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, $2, 'tss.gateway', $3, $4, now(), now())`,
      [randomUUID(), type, subject, { specversion: '1.0', id: randomUUID(), source: 'gateway', type, subject, time: '2026-12-05T09:00:00.000Z', data }],
    );

  beforeAll(async () => {
    sut = await startServiceUnderTest(gatewayService, {
      clock,
      database: {
        before: 1765606400000,
        write: async (query) => {
          const partner = `INSERT INTO gateway.partners (id, name, active, created_at) VALUES ($1, $2, true, '2026-12-05T09:00:00Z')`;
          await query(partner, [leakyPartner, `Other Co password: ${SECRETS[0]}`]);
          await query(partner, [plainPartner, 'Passwort GmbH']);
          const client = `INSERT INTO gateway.api_clients (client_id, secret_hash, kind, partner_id, roles, display_name, active, created_at) VALUES ($1, 'x', 'staff', NULL, '{agent}', $2, true, '2026-12-05T09:00:00Z')`;
          await query(client, ['sc_bob', `Bob login: bob password: ${SECRETS[1]}`]);
          await query(client, ['sc_token', 'Token Books']);
          await query(
            `INSERT INTO gateway.sso_staff (staff_id, roles, display_name, email, active, first_seen_at, changed_at) VALUES ('https://sso.example|ann', '{agent}', $1, NULL, true, now(), now())`,
            [`Ann password: ${SECRETS[2]}`],
          );
          const changedAt = '2026-12-05T09:00:00.000Z';
          await event(query, 'partner.created', leakyPartner, { partnerId: leakyPartner, name: 'Other Co', active: true, changedAt });
          await event(query, 'partner.updated', leakyPartner, { partnerId: leakyPartner, name: `Other Co password: ${SECRETS[0]}`, active: true, changedAt });
          await event(query, 'staff.created', 'sc_bob', { staffId: 'sc_bob', roles: ['agent'], displayName: `Bob login: bob password: ${SECRETS[1]}`, active: true, changedAt });
          await event(query, 'staff.updated', 'sc_token', { staffId: 'sc_token', roles: ['agent'], displayName: 'Token Books', active: true, changedAt });
          const answer = { id: leakyPartner, name: `Other Co password: ${SECRETS[0]}`, active: true, siteEnabled: false, createdAt: changedAt };
          await query(
            `INSERT INTO gateway.idempotency_keys (id, principal, method, path, key, state, claim_token, response_status, response_headers, response_body, created_at, completed_at, expires_at)
             VALUES ('k1', 'staff:admin', 'POST', '/v1/partners', 'k1', 'done', $1, 201, '{}', convert_to($2, 'UTF8'), now(), now(), now() + interval '1 day')`,
            [randomUUID(), JSON.stringify(answer)],
          );
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const snapshot = async () => ({
    partners: await sut.query<{ id: string; name: string }>(`SELECT id::text AS id, name FROM gateway.partners ORDER BY id`),
    clients: await sut.query<{ id: string; name: string }>(`SELECT client_id AS id, display_name AS name FROM gateway.api_clients ORDER BY client_id`),
    sso: await sut.query<{ name: string }>(`SELECT display_name AS name FROM gateway.sso_staff ORDER BY staff_id`),
    outbox: await sut.query<{ type: string; data: Record<string, unknown> }>(`SELECT event_type AS type, event->'data' AS data FROM gateway.outbox ORDER BY position`),
    answers: await sut.query<{ body: string }>(`SELECT convert_from(response_body, 'UTF8') AS body FROM gateway.idempotency_keys ORDER BY id`),
  });

  it('P9: no table of the gateway holds the passwords any more; the names read with the marker, other names as written', async () => {
    const kept = await snapshot();
    const text = JSON.stringify(kept);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(Object.fromEntries(kept.partners.map((p) => [p.id, p.name]))).toEqual({ [leakyPartner]: `Other Co ${REMOVED}`, [plainPartner]: 'Passwort GmbH' });
    expect(kept.clients).toEqual(expect.arrayContaining([{ id: 'sc_bob', name: `Bob ${REMOVED}` }, { id: 'sc_token', name: 'Token Books' }]));
    expect(kept.sso).toEqual([{ name: `Ann ${REMOVED}` }]);
    const named = kept.outbox.filter((e) => [leakyPartner, 'sc_bob', 'sc_token'].includes(String(e.data.partnerId ?? e.data.staffId)));
    expect(named.map((e) => [e.type, e.data.name ?? e.data.displayName])).toEqual([
      ['partner.created', 'Other Co'],
      ['partner.updated', `Other Co ${REMOVED}`],
      ['staff.created', `Bob ${REMOVED}`],
      ['staff.updated', 'Token Books'],
    ]);
    expect(JSON.parse(kept.answers[0].body)).toMatchObject({ id: leakyPartner, name: `Other Co ${REMOVED}` });

    const admin = sut.token({ kind: 'staff', sub: 'admin-one', client_id: 'admin-one', roles: ['admin'] });
    const listed = await sut.http().get('/v1/partners').auth(admin, { type: 'bearer' });
    expect(listed.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: leakyPartner, name: `Other Co ${REMOVED}` })]));
    // An admin may announce it again with its current name (docs/operations.md): the masked name is no particular.
    const again = await sut.http().patch(`/v1/partners/${leakyPartner}`).auth(admin, { type: 'bearer' }).send({ name: `Other Co ${REMOVED}` });
    expect(again.status).toBe(200);
  });

  it('running the migration again changes nothing', async () => {
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptNames1765606400000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
