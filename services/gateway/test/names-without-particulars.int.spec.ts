import { TestClock } from '@tss/service-kit/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { gatewayService } from '../src';
import { recordSsoStaffSeen } from '../src/use-cases/sso-staff';

const PARTNER_SECRET = 'RT5-PN-pw7#';
const STAFF_SECRET = 'RT5-SN-pw8#';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): an outside tester named a partner
// "Other Co password: …" and a staff client "Bob login: bob password: …"; both were answered and kept
// as written (gateway.partners, gateway.api_clients, the outbox's partner.updated and staff.created),
// listed to admins and copied to other services. Names are refused with a 400 naming the field.
describe('names an admin sets in the gateway keep no access particulars (P9)', () => {
  const clock = new TestClock('2026-12-05T10:00:00.000Z');
  let sut: ServiceUnderTest;
  const admin = () => sut.token({ kind: 'staff', sub: 'admin-one', client_id: 'admin-one', roles: ['admin'] });
  const as = <T extends { set(name: string, value: string): T }>(req: T) => req.set('authorization', `Bearer ${admin()}`);
  const count = async (sql: string, params: unknown[] = []) => (await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n;
  const expectRefused = (answer: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, pointer: string, secret: string) => {
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errors: [{ in: 'body', pointer, message: expect.stringMatching(/access particulars/) }] });
    expect(String(answer.body.detail)).toMatch(/no access particulars here/i);
    // The problem never repeats what was refused.
    expect(JSON.stringify(answer.body)).not.toContain(secret);
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(gatewayService, { clock });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('POST /v1/partners with a name holding a password is a 400 naming /name, and nothing is stored or announced', async () => {
    const partners = await count('gateway.partners');
    const events = await count(`gateway.outbox WHERE event_type = 'partner.created'`);
    const refused = await as(sut.http().post('/v1/partners')).send({ name: `Other Co password: ${PARTNER_SECRET}` });
    expectRefused(refused, '/name', PARTNER_SECRET);
    expect(await count('gateway.partners')).toBe(partners);
    expect(await count(`gateway.outbox WHERE event_type = 'partner.created'`)).toBe(events);
  });

  it('PATCH /v1/partners/{id} renaming to a name holding a password is a 400 naming /name; the partner keeps its name and nothing is announced', async () => {
    const created = await as(sut.http().post('/v1/partners')).send({ name: 'Other Co' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const refused = await as(sut.http().patch(`/v1/partners/${id}`)).send({ name: `Other Co password: ${PARTNER_SECRET}`, siteEnabled: true });
    expectRefused(refused, '/name', PARTNER_SECRET);
    expect((await as(sut.http().get(`/v1/partners/${id}`))).body).toMatchObject({ name: 'Other Co', siteEnabled: false });
    expect(await count(`gateway.outbox WHERE event_type = 'partner.updated' AND message_key = $1`, [id])).toBe(0);
  });

  it('POST /v1/clients with a display name holding a login and password is a 400 naming /displayName, and no client is created or announced', async () => {
    const clients = await count('gateway.api_clients');
    const events = await count(`gateway.outbox WHERE event_type = 'staff.created'`);
    const refused = await as(sut.http().post('/v1/clients')).send({ roles: ['agent'], displayName: `Bob login: bob password: ${STAFF_SECRET}` });
    expectRefused(refused, '/displayName', STAFF_SECRET);
    expect(await count('gateway.api_clients')).toBe(clients);
    expect(await count(`gateway.outbox WHERE event_type = 'staff.created'`)).toBe(events);
  });

  it('names that only contain a keyword are taken as written: "Keyword Ltd", "Token Books", "Passwort GmbH", "Password Reset Team"…', async () => {
    for (const name of ['Keyword Ltd', 'Token Books', 'Passwort GmbH', 'Pass Labs']) {
      const created = await as(sut.http().post('/v1/partners')).send({ name });
      expect([name, created.status, created.body.name]).toEqual([name, 201, name]);
      const renamed = await as(sut.http().patch(`/v1/partners/${created.body.id}`)).send({ name: `${name} Group` });
      expect([name, renamed.status, renamed.body.name]).toEqual([name, 200, `${name} Group`]);
    }
    for (const displayName of ['Password Reset Team', 'Token Books', 'Ann Login']) {
      const created = await as(sut.http().post('/v1/clients')).send({ roles: ['agent'], displayName });
      expect([displayName, created.status]).toEqual([displayName, 201]);
      expect((await as(sut.http().get(`/v1/clients/${created.body.clientId}`))).body.displayName).toBe(displayName);
    }
  });

  it('a display name from the identity provider holding a password is kept and announced without it; the same token again changes nothing', async () => {
    const deps = { dataSource: sut.host.dataSource, unitOfWork: sut.host.unitOfWork, outbox: sut.host.outbox, clock };
    const staffId = 'https://sso.example.test|bob';
    const seen = { staffId, roles: ['agent' as const], displayName: `Bob password: ${STAFF_SECRET}` };
    await recordSsoStaffSeen(deps, seen);
    clock.advanceMs(1_000);
    await recordSsoStaffSeen(deps, seen);
    const listed = ((await as(sut.http().get('/v1/staff'))).body.items as { staffId: string; displayName?: string }[]).find((s) => s.staffId === staffId);
    expect(listed?.displayName).toBe(`Bob ${REMOVED}`);
    const announced = await sut.query<{ type: string; name: string }>(
      `SELECT event_type AS type, event->'data'->>'displayName' AS name FROM gateway.outbox WHERE event_type LIKE 'staff.%' AND message_key = $1 ORDER BY position`,
      [staffId],
    );
    expect(announced).toEqual([{ type: 'staff.created', name: `Bob ${REMOVED}` }]);
  });

  it('the OpenAPI document says so of each field', async () => {
    const doc = (await sut.http().get('/openapi.json')).body;
    const bodyOf = (path: string, method: string) => doc.paths[path][method].requestBody.content['application/json'].schema.properties;
    expect(bodyOf('/v1/partners', 'post').name.description).toMatch(/access particulars/);
    expect(bodyOf('/v1/partners/{id}', 'patch').name.description).toMatch(/access particulars/);
    expect(bodyOf('/v1/clients', 'post').displayName.description).toMatch(/access particulars/);
  });
});
