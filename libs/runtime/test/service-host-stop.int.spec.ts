import pino from 'pino';
import { TicketCreatedV1 } from '@tss/contracts';
import { on, type EventTransport, type Subscription } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TokenVerifier } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { composeService, DeferredKeySource, ServiceHost, type ServicePart } from '../src';

/**
 * A transport whose broker went away: subscribing works, leaving the group does not end until the
 * test lets it (kafkajs retries a LeaveGroup for tens of seconds during an outage).
 */
const transportThatCannotLeave = () => {
  let release = (): void => undefined;
  const left = new Promise<void>((resolve) => (release = resolve));
  let leaving = false;
  const subscription: Subscription = {
    stop: () => {
      leaving = true;
      return left;
    },
  };
  const transport: EventTransport = {
    kind: 'kafka',
    publish: async () => undefined,
    subscribe: async () => subscription,
    deadLetter: async () => undefined,
    ping: async () => undefined,
    close: async () => undefined,
  };
  return { transport, release, leaving: () => leaving };
};

// An outside test of services mode stopped the broker, then the services: notification's stop hung
// in the consumer's leaving for SHUTDOWN_TIMEOUT_MS, and its row in notification.instances, removed
// by a background task that only stopped after the consumer, was left behind. A service's own rows
// are removed before anything that may wait for the broker.
describe('ServiceHost.stop: background work before the waits on the broker', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('service_host_stop', { from: 'empty' });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('stops background work (a service removes its own rows there) while the consumer is still leaving its group', async () => {
    const stopped: string[] = [];
    const part: ServicePart = {
      name: 'stop-order',
      build: () => ({
        handlers: [on(TicketCreatedV1, async () => undefined)],
        background: [{ name: 'own rows', start: () => undefined, stop: async () => void stopped.push('own rows removed') }],
      }),
    };
    const module = composeService({ name: 'rating', description: 'stop order', schema: 'stop_order', parts: [part] });
    const broker = transportThatCannotLeave();
    const clock = new TestClock();
    const host = await ServiceHost.open(module, {
      databaseUrl: db.url,
      transport: broker.transport,
      clock,
      logger: pino({ level: 'silent' }),
      tokens: new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: new DeferredKeySource(), nowSeconds: () => Math.floor(clock.now().getTime() / 1000) }),
      migrate: true,
      poolSize: 2,
      env: {},
    });
    try {
      await host.start();
      let done = false;
      const stopping = host.stop().then(() => (done = true));

      await waitFor('the background work stopped', () => stopped.includes('own rows removed'), { timeoutMs: 5_000, intervalMs: 10 });
      expect(broker.leaving()).toBe(true);
      expect(done).toBe(false);

      broker.release();
      await stopping;
      expect(done).toBe(true);
    } finally {
      broker.release();
      await host.close();
    }
  });
});
