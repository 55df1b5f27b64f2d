import pino from 'pino';
import { EdgeConfigSchema } from '@tss/gateway';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { loadConfig, PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { startSingleProcessPlatform, type RunningPlatform } from '../src/single-process-platform';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

/**
 * Two gateway replicas on one database and one Redis (REDIS_URL): a client's requests are counted
 * together, whichever replica answers them.
 */
// Above the few unauthenticated token requests the test itself makes (those count per address).
const LIMIT = 20;

describe('rate limits shared through Redis', () => {
  const edge = loadConfig(EdgeConfigSchema, { TSS_RATE_LIMIT_MAX: String(LIMIT), TSS_RATE_LIMIT_WINDOW_MS: '60000', REDIS_URL: process.env.REDIS_URL });
  let first: TestPlatform;
  let second: RunningPlatform;

  beforeAll(async () => {
    first = await startTestPlatform('edge_redis', { edge });
    second = await startSingleProcessPlatform({
      databaseUrl: first.databaseUrl,
      clock: first.clock,
      logger: pino({ level: 'silent' }),
      env: {},
      issuer: 'tss',
      audience: 'tss-api',
      edge,
    });
  });

  afterAll(async () => {
    await second?.platform.stop();
    await first?.stop();
  });

  it('counts one client across replicas and refuses the request over the limit with 429', async () => {
    const acme = await first.client.partner(await first.adminToken(), 'Acme Redis');
    const replicas = [first.client, new PlatformClient(second.platform.app.server)];
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i += 1) {
      const response = await replicas[i % 2].http().get('/v1/tickets').auth(acme.token, { type: 'bearer' });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    // Each replica alone has seen about half the client's requests: only a shared count refuses the last.
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), 429]);
    const other = await first.client.partner(await first.adminToken(), 'Other Redis');
    expect((await replicas[1].http().post('/v1/tickets').auth(other.token, { type: 'bearer' }).send(sampleTicket())).status).toBe(201);
  });
});
