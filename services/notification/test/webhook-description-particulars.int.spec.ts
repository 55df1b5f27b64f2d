import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { StaffCreatedV1 } from '@tss/contracts';
import { TestClock } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

const SECRET = 'RT5-WD-pw6#';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): an outside tester subscribed an
// endpoint described "Alerts; password: …": the 201 and every list showed it, and
// notification.webhook_endpoints kept it as written (and the disabled mail would repeat it).
describe("a webhook endpoint's description keeps no access particulars (P9), notification alone", () => {
  const clock = new TestClock('2026-12-05T10:00:00.000Z');
  let notification: NotificationUnderTest;
  let receiver: Server;
  let receiverUrl: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    notification = await startNotification(clock, { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
  });
  afterAll(async () => {
    await notification?.sut.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const partnerId = randomUUID();
  const token = () => notification.sut.token({ kind: 'partner', partner_id: partnerId, scope: 'webhooks:manage' });
  const subscribe = (body: Record<string, unknown>) =>
    notification.sut.http().post('/v1/webhooks/endpoints').auth(token(), { type: 'bearer' }).send({ url: receiverUrl, eventTypes: ['ticket.*'], ...body });
  const patch = (id: string, body: Record<string, unknown>) => notification.sut.http().patch(`/v1/webhooks/endpoints/${id}`).auth(token(), { type: 'bearer' }).send(body);
  const endpoints = async () => (await notification.sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification.webhook_endpoints`))[0].n;
  const expectRefused = (answer: { status: number; headers: Record<string, string>; body: Record<string, unknown> }) => {
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errors: [{ in: 'body', pointer: '/description', message: expect.stringMatching(/access particulars/) }] });
    expect(String(answer.body.detail)).toMatch(/no access particulars here/i);
    expect(JSON.stringify(answer.body)).not.toContain(SECRET);
  };

  it('POST with a description holding a password is a 400 naming /description, and no endpoint is stored', async () => {
    const before = await endpoints();
    expectRefused(await subscribe({ description: `Alerts; password: ${SECRET}` }));
    expect(await endpoints()).toBe(before);
  });

  it('PATCH to a description holding a password is a 400 naming /description; the endpoint keeps its description and the rest of the patch is not applied', async () => {
    const created = await subscribe({ description: 'Alerts' });
    expect(created.status).toBe(201);
    const refused = await patch(created.body.id, { description: `Alerts; password: ${SECRET}`, eventTypes: ['sla.*'] });
    expectRefused(refused);
    const [row] = await notification.sut.query<{ description: string; event_types: string[] }>(`SELECT description, event_types FROM notification.webhook_endpoints WHERE id = $1`, [created.body.id]);
    expect(row).toEqual({ description: 'Alerts', event_types: ['ticket.*'] });
  });

  it('descriptions that only name a keyword are taken as written: "password reset events", "Token Books mirror"', async () => {
    for (const description of ['password reset events', 'Token Books mirror', 'Passwort GmbH feed']) {
      const created = await subscribe({ description });
      expect([description, created.status, created.body.description]).toEqual([description, 201, description]);
      const patched = await patch(created.body.id, { description: `${description} (EU)` });
      expect([description, patched.status, patched.body.description]).toEqual([description, 200, `${description} (EU)`]);
    }
  });

  it('a staff display name an older gateway announced with a password is kept without it in the staff directory', async () => {
    const staffId = `sc_${randomUUID()}`;
    await notification.handled(
      await notification.publish(StaffCreatedV1, staffId, { staffId, roles: ['admin'], displayName: `Bob login: bob password: ${SECRET}`, email: 'bob@support.example', active: true, changedAt: clock.now().toISOString() }),
    );
    const [row] = await notification.sut.query<{ display_name: string }>(`SELECT display_name FROM notification.staff_directory WHERE staff_id = $1`, [staffId]);
    expect(row.display_name).toBe(`Bob ${REMOVED}`);
  });

  it('the OpenAPI document says so of the field', async () => {
    const doc = (await notification.sut.http().get('/openapi.json')).body;
    const bodyOf = (path: string, method: string) => doc.paths[path][method].requestBody.content['application/json'].schema.properties;
    expect(bodyOf('/v1/webhooks/endpoints', 'post').description.description).toMatch(/access particulars/);
    expect(bodyOf('/v1/webhooks/endpoints/{id}', 'patch').description.description).toMatch(/access particulars/);
  });
});
