import jwt from 'jsonwebtoken';
import request from 'supertest';
import { bootstrapAdmin, gatewayService, gatewayTokenAuthority } from '@tss/gateway';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import type { ServiceInstance } from '@tss/runtime';
import { PlatformClient } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '@tss/ticket-intake';
import { ServiceInstances } from './support/service-instances';

const VERIFIERS = 4;
const CONCURRENT_REQUESTS_PER_VERIFIER = 4;
const STEP_MS = 30_000;
const PRE_PUBLISH_MS = 600_000; // the gateway's default; verifiers cache the JWKS for 5 minutes
const ADMIN = { clientId: 'sc_rotation_admin', clientSecret: 'rotation-admin-secret-0123456789' };

const kidOf = (token: string): string => (jwt.decode(token, { complete: true }) as { header: { kid: string } }).header.kid;
const expiryMsOf = (token: string): number => (jwt.decode(token) as { exp: number }).exp * 1000;

/**
 * Services mode, one simulated clock: the gateway and four ticket-intake instances, each of which
 * verifies tokens against the gateway's JWKS over HTTP with its own cache (as in production).
 * Keys rotate twice while every round issues a fresh token and sends it, several at once, to
 * every instance; the clock moves in 30 s steps, so the verifiers' caches expire on their own.
 */
describe('key rotation under load, services mode: no false 401s', () => {
  const clock = new TestClock('2026-06-01T08:00:00.000Z');
  let db: TestDatabase;
  let services: ServiceInstances;
  let gateway: PlatformClient;
  const intakeUrls: string[] = [];
  let partner: { clientId: string; clientSecret: string };

  beforeAll(async () => {
    db = await createTestDatabase('key_rotation_services');
    services = new ServiceInstances(db.url, { clock });
    const gatewayInstance: ServiceInstance = await services.start(gatewayService, {
      transport: new InProcessTransport(),
      keySource: (host) => gatewayTokenAuthority(host.dataSource, clock),
      env: {},
    });
    gateway = new PlatformClient(await services.listen(gatewayInstance));
    const host = gatewayInstance.host;
    await bootstrapAdmin({ dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock, logger: host.logger }, ADMIN);
    for (let i = 0; i < VERIFIERS; i++) intakeUrls.push(await services.listen(await services.start(ticketIntakeService, { transport: new InProcessTransport() })));
    partner = await gateway.partner(await gateway.token(ADMIN.clientId, ADMIN.clientSecret), 'Rotation Partner');
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
  });

  const refused: string[] = [];
  const verifiedKids = new Map<string, number>();

  /** One round of load: a fresh token (and older ones still alive, of every key) to every instance, several at once. */
  const round = async (older: readonly string[] = []) => {
    const fresh = await gateway.token(partner.clientId, partner.clientSecret);
    // Of the older tokens still alive, the oldest and newest of each signing key: every key a
    // verifier may meet is sent each round, without re-sending dozens of same-key tokens.
    const stillAlive = older.filter((t) => expiryMsOf(t) > clock.now().getTime());
    const byKid = new Map<string, string[]>();
    for (const token of stillAlive) byKid.set(kidOf(token), [...(byKid.get(kidOf(token)) ?? []), token]);
    const alive = [fresh, ...new Set([...byKid.values()].flatMap((tokens) => [tokens[0], tokens[tokens.length - 1]]))];
    const calls = alive.flatMap((token) =>
      intakeUrls.flatMap((url) =>
        Array.from({ length: CONCURRENT_REQUESTS_PER_VERIFIER }, async () => {
          const response = await request(url).get('/v1/tickets').auth(token, { type: 'bearer' });
          if (response.status === 200) verifiedKids.set(kidOf(token), (verifiedKids.get(kidOf(token)) ?? 0) + 1);
          else refused.push(`${response.status} at ${clock.now().toISOString()} for kid ${kidOf(token)} on ${url}`);
        }),
      ),
    );
    await Promise.all(calls);
    return fresh;
  };

  const rotate = async () => {
    const response = await gateway.http().post('/v1/auth/keys/rotate').auth(await gateway.token(ADMIN.clientId, ADMIN.clientSecret), { type: 'bearer' });
    expect(response.status).toBe(200);
    return { kid: response.body.kid as string, rotatedAtMs: clock.now().getTime(), signsFromMs: new Date(response.body.signsFrom).getTime() };
  };

  /** Runs rounds, `STEP_MS` of simulated time apart, until `untilMs`; tokens issued on the way keep being used while alive. */
  const loadUntil = async (untilMs: number, older: string[]) => {
    while (clock.now().getTime() < untilMs) {
      clock.advanceMs(STEP_MS);
      older.push(await round(older));
    }
  };

  it('rotating twice while four JWKS-backed verifiers are under load refuses no valid token', async () => {
    const older: string[] = [await round()];
    const first = kidOf(older[0]);

    const second = await rotate();
    // Published now, signing only once every verifier's cache has expired at least once.
    expect(second.signsFromMs - second.rotatedAtMs).toBe(PRE_PUBLISH_MS);
    expect((await gateway.http().get('/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining([first, second.kid]));
    await loadUntil(second.signsFromMs + 3 * STEP_MS, older);

    const third = await rotate();
    await loadUntil(third.signsFromMs + 3 * STEP_MS, older);

    expect(refused).toEqual([]);
    // Each key really signed tokens that every instance verified, the first one before and during the rotation.
    for (const kid of [first, second.kid, third.kid]) expect(verifiedKids.get(kid) ?? 0).toBeGreaterThanOrEqual(VERIFIERS * CONCURRENT_REQUESTS_PER_VERIFIER);
  });
});
