import { TestClock } from '@tss/service-kit/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { gatewayService } from '../src';

type Operation = { parameters?: { in: string; name: string }[]; responses?: Record<string, unknown> };

// Outside testing: the gateway's POSTs ignored Idempotency-Key, so three tries with one key made
// three partners, three partner clients and three staff clients (docs/adr/0028, "on every POST").
describe('Idempotency-Key on the POSTs of the gateway (docs/adr/0028)', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const admin = (staffId = 'admin-one') => sut.token({ kind: 'staff', sub: staffId, client_id: staffId, roles: ['admin'] });
  const post = (path: string, key: string, body: unknown, token = admin()) =>
    sut.http().post(path).set('authorization', `Bearer ${token}`).set('idempotency-key', key).set('content-type', 'application/json').send(JSON.stringify(body));
  const count = async (sql: string, params: unknown[]) => (await sut.query<{ n: number }>(sql, params))[0].n;
  const storedAnswers = async () => (await sut.query<{ body: string | null }>(`SELECT convert_from(response_body, 'UTF8') AS body FROM gateway.idempotency_keys`)).map((r) => r.body ?? '');

  beforeAll(async () => {
    sut = await startServiceUnderTest(gatewayService, { clock });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('a partner registered with a key is registered once: concurrent tries and a later retry get the first answer', async () => {
    const tries = await Promise.all(Array.from({ length: 3 }, () => post('/v1/partners', 'partner-once', { name: 'Acme Once' })));
    const retry = await post('/v1/partners', 'partner-once', { name: 'Acme Once' });

    const fresh = tries.filter((t) => t.status === 201 && t.headers['idempotent-replayed'] === undefined);
    expect(fresh.map((t) => t.body.id)).toEqual([expect.any(String)]);
    for (const other of tries.filter((t) => t !== fresh[0])) expect([[409], [201, 'true']]).toContainEqual(other.status === 201 ? [201, other.headers['idempotent-replayed']] : [other.status]);
    expect([retry.status, retry.headers['idempotent-replayed'], retry.body.id]).toEqual([201, 'true', fresh[0].body.id]);
    expect(await count(`SELECT count(*)::int AS n FROM gateway.partners WHERE name = $1`, ['Acme Once'])).toBe(1);
  });

  it('a client created with a key is created once; its secret is shown once, and a retry is a 409 naming where the client is', async () => {
    const partner = await post('/v1/partners', 'partner-for-clients', { name: 'Acme Clients' });
    const path = `/v1/partners/${partner.body.id}/clients`;

    const first = await post(path, 'client-once', {});
    const retry = await post(path, 'client-once', {});

    expect(first.status).toBe(201);
    expect(first.body.clientSecret).toEqual(expect.any(String));
    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ status: 409, type: 'https://tss.dev/problems/idempotency-answer-withheld' });
    expect(retry.headers.location).toBe(first.headers.location);
    expect(JSON.stringify(retry.body)).not.toContain(first.body.clientSecret);
    expect(await count(`SELECT count(*)::int AS n FROM gateway.api_clients WHERE partner_id = $1`, [partner.body.id])).toBe(1);
    expect((await storedAnswers()).some((body) => body.includes(first.body.clientSecret))).toBe(false);
  });

  it('a staff client created with a key is created once, and its secret is kept nowhere but in its answer', async () => {
    const body = { roles: ['agent'], displayName: 'Idem Agent', email: 'idem@support.example' };
    const answers = await Promise.all(Array.from({ length: 3 }, () => post('/v1/clients', 'staff-once', body)));
    const retry = await post('/v1/clients', 'staff-once', body);

    const created = answers.filter((a) => a.status === 201);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    expect(retry.status).toBe(409);
    expect(retry.body.type).toBe('https://tss.dev/problems/idempotency-answer-withheld');
    expect(await count(`SELECT count(*)::int AS n FROM gateway.api_clients WHERE display_name = $1`, ['Idem Agent'])).toBe(1);
    expect((await storedAnswers()).some((stored) => stored.includes(created[0].body.clientSecret))).toBe(false);
  });

  it("a rotation retried with its key is a 409 naming the client whose secret was rotated, partner's or staff's, which its admin can GET", async () => {
    const partner = await post('/v1/partners', 'partner-for-rotations', { name: 'Acme Rotations' });
    const partnerClient = await post(`/v1/partners/${partner.body.id}/clients`, 'partner-client-to-rotate', {});
    const staffClient = await post('/v1/clients', 'staff-client-to-rotate', { roles: ['agent'], displayName: 'Rotated Agent', email: 'rotated@support.example' });
    const clients = [partnerClient.headers.location, staffClient.headers.location];

    for (const client of clients) {
      const first = await post(`${client}/rotate`, `rotate:${client}`, {});
      const retry = await post(`${client}/rotate`, `rotate:${client}`, {});
      const read = await sut.http().get(retry.headers.location ?? '/none').set('authorization', `Bearer ${admin()}`);

      expect([client, first.status, first.headers['cache-control'], retry.status, retry.body.type]).toEqual([client, 200, 'no-store', 409, 'https://tss.dev/problems/idempotency-answer-withheld']);
      expect([client, retry.headers.location]).toEqual([client, client]);
      expect([client, read.status, read.body.clientId]).toEqual([client, 200, first.body.clientId]);
      expect(JSON.stringify(retry.body)).not.toContain(first.body.clientSecret);
    }
  });

  it('another admin using the same key makes a request of their own', async () => {
    const mine = await post('/v1/partners', 'shared-key', { name: 'Acme Shared' });
    const theirs = await post('/v1/partners', 'shared-key', { name: 'Acme Shared' }, admin('admin-two'));

    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('the OpenAPI document declares the header and the 409 and 422 problems on the POSTs that create something', async () => {
    const document = (await sut.http().get('/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const keyed = (path: string) => {
      const operation = document.paths[path].post;
      return Boolean(operation.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key') && operation.responses?.['409'] && operation.responses?.['422']);
    };

    for (const path of ['/v1/partners', '/v1/partners/{id}/clients', '/v1/partners/{id}/clients/{cid}/rotate', '/v1/clients', '/v1/clients/{cid}/rotate', '/v1/auth/keys/rotate']) {
      expect([path, keyed(path)]).toEqual([path, true]);
    }
    // A token, a requester token and a site link create nothing: each try mints another, as before.
    for (const path of ['/v1/auth/token', '/v1/auth/requester-token', '/v1/tickets/{id}/site-links']) expect([path, keyed(path)]).toEqual([path, false]);
  });
});
