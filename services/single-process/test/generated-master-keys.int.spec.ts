import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { loggerOptions } from '@tss/service-kit';
import { logCapture, TestClock, waitFor } from '@tss/service-kit/testing';
import { startSingleProcessPlatform, type RunningPlatform } from '../src/single-process-platform';

const K1 = randomBytes(32).toString('base64');

/** Where each service keeps the master key it generates without TSS_MASTER_KEYS, and what it seals under master keys. */
const SERVICES = [
  { service: 'gateway', generated: 'gateway.generated_master_keys', sealed: 'SELECT DISTINCT master_key_id AS id FROM gateway.signing_keys' },
  { service: 'ticket-intake', generated: 'ticket_intake.credential_generated_master_keys', sealed: 'SELECT DISTINCT master_key_id AS id FROM ticket_intake.credential_data_keys' },
  { service: 'notification', generated: 'notification.webhook_generated_master_keys', sealed: 'SELECT DISTINCT secret_master_key_id AS id FROM notification.webhook_endpoints' },
] as const;

// An outside tester: a fresh `npm start` without TSS_MASTER_KEYS (a generated key, with its
// warning), a credential stored, then a restart with `k1`: every row was re-wrapped under k1 and
// the gateway's generated key deleted, but ticket-intake's and notification's stayed in the same
// database, which P9 against backups needs gone (docs/adr/0026; docs/adr/0014, seventh session).
describe('the whole platform: generated master keys go once everything is re-wrapped under TSS_MASTER_KEYS', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  let db: TestDatabase;
  const start = (env: NodeJS.ProcessEnv, logger = pino({ level: 'silent' })): Promise<RunningPlatform> =>
    startSingleProcessPlatform({
      databaseUrl: db.url,
      clock,
      logger,
      env: { ...env, WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' },
      issuer: 'tss',
      audience: 'tss-api',
      bootstrap: { clientId: 'sc_keys_admin', clientSecret: 'keys-admin-secret-0123456789abcdef' },
    });
  const query = (running: RunningPlatform, service: string, sql: string) => running.platform.host(service).dataSource.query(sql) as Promise<{ id: string }[]>;

  beforeAll(async () => {
    db = await createTestDatabase('generated_master_keys_replaced');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('restarted with k1: every row under k1, no generated key left in any schema, and each service says it deleted its own', async () => {
    const first = await start({});
    const generated: Record<string, string[]> = {};
    try {
      const client = new PlatformClient(first.platform.app.server);
      const admin = await client.token('sc_keys_admin', 'keys-admin-secret-0123456789abcdef');
      const { partnerId, token } = await client.partner(admin, 'Keys Partner');
      await waitFor('intake knows the partner', async () => (await query(first, 'ticket-intake', `SELECT id FROM ticket_intake.partners WHERE id = '${partnerId}'`)).length === 1);
      const filed = await client.http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(sampleTicket());
      expect(filed.status).toBe(201);
      expect((await client.http().post(`/v1/tickets/${filed.body.id}/credentials`).auth(token, { type: 'bearer' }).send({ label: 'Admin panel', secret: 'Dev-Secret-4kQ!' })).status).toBe(201);
      const endpoint = await client.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: 'http://127.0.0.1:9/hooks', eventTypes: ['ticket.*'] });
      expect(endpoint.status).toBe(201);
      for (const { service, generated: table } of SERVICES) generated[service] = (await query(first, service, `SELECT id FROM ${table}`)).map((r) => r.id);
      expect(Object.values(generated).map((ids) => ids.length)).toEqual([1, 1, 1]);
    } finally {
      await first.platform.stop();
    }

    const { lines, stream } = logCapture();
    const configured = await start({ TSS_MASTER_KEYS: `k1:${K1}` }, pino(loggerOptions('tss', 'info'), stream));
    try {
      const found = [];
      for (const { service, generated: table, sealed } of SERVICES) {
        const said = lines.filter((l) => l.level === 30 && l.service === service && String(l.msg).startsWith('generated master key'));
        found.push({ service, sealedUnder: await query(configured, service, sealed), generated: await query(configured, service, `SELECT id FROM ${table}`), said: said.map((l) => l.deleted) });
      }
      expect(found).toEqual(SERVICES.map(({ service }) => ({ service, sealedUnder: [{ id: 'k1' }], generated: [], said: [generated[service]] })));
    } finally {
      await configured.platform.stop();
    }
  });
});
