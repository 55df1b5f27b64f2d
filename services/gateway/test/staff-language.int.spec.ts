import { TestClock } from '@tss/service-kit/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { gatewayService } from '../src';
import { recordSsoStaffSeen } from '../src/use-cases/sso-staff';

type Announced = { type: string; data: { staffId: string; language?: string; active: boolean } };

// An outside tester (a Russian-speaking team leader): every mail TSS sends staff was English. The
// gateway owns staff, so a staff member's mail language is set and announced here (docs/adr/0042,
// addendum of 2026-12-05, fourth session).
describe("a staff member's mail language (en or ru), through the admin staff API", () => {
  const clock = new TestClock('2026-12-05T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const admin = () => sut.token({ kind: 'staff', sub: 'admin-one', client_id: 'admin-one', roles: ['admin'] });
  const as = <T extends { set(name: string, value: string): T }>(req: T) => req.set('authorization', `Bearer ${admin()}`);
  const createStaff = (body: Record<string, unknown>) => as(sut.http().post('/v1/clients')).send(body);
  const patchStaff = (staffId: string, body: Record<string, unknown>) => as(sut.http().patch(`/v1/staff/${encodeURIComponent(staffId)}`)).send(body);
  const listedStaff = async (staffId: string) => ((await as(sut.http().get('/v1/staff'))).body.items as { staffId: string }[]).find((s) => s.staffId === staffId);
  const announced = async (staffId: string) =>
    (
      await sut.query<{ event: Announced }>(`SELECT event FROM gateway.outbox WHERE event_type IN ('staff.created', 'staff.updated') AND event->>'subject' = $1 ORDER BY position`, [staffId])
    ).map(({ event }) => ({ type: event.type, language: event.data.language }));

  beforeAll(async () => {
    sut = await startServiceUnderTest(gatewayService, { clock });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('a staff client created with language ru reads back ru (client, staff list) and staff.created carries it; one created without it is en', async () => {
    const created = await createStaff({ roles: ['team_lead'], displayName: 'Лена Лидова', email: 'lena@support.example', language: 'ru' });
    expect(created.status).toBe(201);
    const staffId = created.body.clientId as string;
    expect((await as(sut.http().get(`/v1/clients/${staffId}`))).body).toMatchObject({ clientId: staffId, language: 'ru' });
    expect(await listedStaff(staffId)).toMatchObject({ staffId, signIn: 'client', language: 'ru' });
    expect(await announced(staffId)).toEqual([{ type: 'staff.created', language: 'ru' }]);

    const plain = await createStaff({ roles: ['agent'], displayName: 'Dana Agent' });
    expect(plain.status).toBe(201);
    expect((await as(sut.http().get(`/v1/clients/${plain.body.clientId}`))).body.language).toBe('en');
    expect(await listedStaff(plain.body.clientId)).toMatchObject({ language: 'en' });
    expect(await announced(plain.body.clientId)).toEqual([{ type: 'staff.created', language: 'en' }]);
  });

  it("PATCH /v1/staff/{id} sets a staff client's language, announced as staff.updated; the same language again announces nothing", async () => {
    const created = await createStaff({ roles: ['agent'], email: 'ivan@support.example' });
    const staffId = created.body.clientId as string;
    const patched = await patchStaff(staffId, { language: 'ru' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ staffId, signIn: 'client', language: 'ru', active: true });
    expect((await as(sut.http().get(`/v1/clients/${staffId}`))).body.language).toBe('ru');
    expect((await patchStaff(staffId, { language: 'ru' })).status).toBe(200);
    expect(await announced(staffId)).toEqual([
      { type: 'staff.created', language: 'en' },
      { type: 'staff.updated', language: 'ru' },
    ]);
    // `active` stays single sign-on only: a staff client is disabled under /v1/clients, and nothing of the PATCH is applied.
    const conflict = await patchStaff(staffId, { language: 'en', active: false });
    expect(conflict.status).toBe(409);
    expect((await as(sut.http().get(`/v1/clients/${staffId}`))).body).toMatchObject({ language: 'ru', active: true });
  });

  it('a member signed in through single sign-on: en when first seen, ru once an admin sets it, kept when a later token changes their roles', async () => {
    const deps = { dataSource: sut.host.dataSource, unitOfWork: sut.host.unitOfWork, outbox: sut.host.outbox, clock };
    const staffId = 'https://sso.example.test|olga';
    await recordSsoStaffSeen(deps, { staffId, roles: ['agent'], email: 'olga@support.example' });
    expect(await listedStaff(staffId)).toMatchObject({ signIn: 'single_sign_on', language: 'en' });

    const patched = await patchStaff(staffId, { language: 'ru' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ staffId, signIn: 'single_sign_on', language: 'ru', active: true });
    clock.advanceMs(1_000);
    await recordSsoStaffSeen(deps, { staffId, roles: ['agent', 'team_lead'], email: 'olga@support.example' });
    expect(await listedStaff(staffId)).toMatchObject({ roles: ['agent', 'team_lead'], language: 'ru' });
    expect((await patchStaff(staffId, { active: false, language: 'en' })).body).toMatchObject({ active: false, language: 'en' });
    expect(await announced(staffId)).toEqual([
      { type: 'staff.created', language: 'en' },
      { type: 'staff.updated', language: 'ru' },
      { type: 'staff.updated', language: 'ru' },
      { type: 'staff.updated', language: 'en' },
    ]);
  });

  it('a language other than en or ru is a 400 problem naming the allowed values, and nothing is created or changed', async () => {
    const before = (await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM gateway.api_clients`))[0].n;
    const refused = await createStaff({ roles: ['agent'], displayName: 'Klaus', language: 'de' });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(refused.body)).toMatch(/language[\s\S]*one of: en, ru/);
    expect((await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM gateway.api_clients`))[0].n).toBe(before);

    const created = await createStaff({ roles: ['agent'], language: 'ru' });
    const staffId = created.body.clientId as string;
    for (const language of ['de', 'RU', '', null]) {
      const bad = await patchStaff(staffId, { language });
      expect([language, bad.status]).toEqual([language, 400]);
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(bad.body)).toContain('en, ru');
    }
    expect((await patchStaff(staffId, {})).status).toBe(400);
    expect((await as(sut.http().get(`/v1/clients/${staffId}`))).body.language).toBe('ru');
    expect(await announced(staffId)).toEqual([{ type: 'staff.created', language: 'ru' }]);
  });

  it('the OpenAPI document lists the language on create, on the PATCH, and in both views', async () => {
    const doc = (await sut.http().get('/openapi.json')).body;
    const text = JSON.stringify(doc);
    expect(doc.paths['/v1/clients'].post.requestBody.content['application/json'].schema.properties.language).toMatchObject({ enum: ['en', 'ru'] });
    expect(doc.paths['/v1/staff/{staffId}'].patch.requestBody.content['application/json'].schema.properties.language).toMatchObject({ enum: ['en', 'ru'] });
    expect(text).toContain('"StaffMember"');
    expect(doc.components.schemas.StaffMember.properties.language).toMatchObject({ enum: ['en', 'ru'] });
    expect(doc.components.schemas.ApiClient.properties.language).toMatchObject({ enum: ['en', 'ru'] });
  });
});

describe('upgrade: staff recorded before the language existed read en (migration 1765604600000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(gatewayService, {
      clock,
      database: {
        before: 1765604600000,
        write: async (query) => {
          await query(`INSERT INTO gateway.api_clients (client_id, secret_hash, kind, partner_id, roles, display_name, email, active, created_at)
                       VALUES ('sc_before', 'x', 'staff', null, '{team_lead}', 'Lead Before', 'before@support.example', true, '2026-01-05T09:00:00Z')`);
          await query(`INSERT INTO gateway.sso_staff (staff_id, roles, display_name, email, active, first_seen_at, changed_at)
                       VALUES ('https://sso.example.test|before', '{agent}', null, null, true, '2026-01-05T09:00:00Z', '2026-01-05T09:00:00Z')`);
        },
      },
    });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('both kinds of staff are en, and an admin can set ru', async () => {
    const admin = sut.token({ kind: 'staff', sub: 'admin-one', client_id: 'admin-one', roles: ['admin'] });
    const listed = await sut.http().get('/v1/staff').set('authorization', `Bearer ${admin}`);
    expect(listed.body.items.map((s: { staffId: string; language: string }) => [s.staffId, s.language])).toEqual(
      expect.arrayContaining([
        ['sc_before', 'en'],
        ['https://sso.example.test|before', 'en'],
      ]),
    );
    const patched = await sut.http().patch('/v1/staff/sc_before').set('authorization', `Bearer ${admin}`).send({ language: 'ru' });
    expect([patched.status, patched.body.language]).toEqual([200, 'ru']);
  });
});
