import { validateEvent } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { filterProblem, SUBSCRIBABLE_EVENT_TYPES } from '../src/domain/webhook-filter';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { ping } from '../src/use-cases/webhook-endpoints';
import { notificationWithoutWorkers, testSecrets, webhookRows } from './support/webhook-fixtures';

describe('webhook.ping is an event of the catalogue (libs/contracts), notification alone on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-04T10:00:00.000Z');
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a0b';
  let sut: ServiceUnderTest;
  let timers: TimerStore;

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const { newEndpoint } = webhookRows({ sut: () => sut, timers: () => timers, port: () => 9, clock, partnerId, secrets: testSecrets() });

  it('the ping a receiver gets passes the catalogue’s envelope check, like every other delivery: its dataschema names webhook.ping v1', async () => {
    const endpoint = await newEndpoint('/ping');
    const pinged = await sut.host.unitOfWork.run((tx) => ping(tx, timers, { kind: 'partner', partnerId }, endpoint.id, clock.now()));
    if (!pinged.ok) throw new Error(pinged.error.detail);
    const [delivery] = await sut.query<{ body: string }>(`SELECT body FROM notification.webhook_deliveries WHERE id = $1`, [pinged.value.deliveryId]);
    const body: unknown = JSON.parse(delivery.body);
    expect(body).toMatchObject({ type: 'webhook.ping', subject: endpoint.id, dataschema: 'urn:tss:event:webhook.ping:v1', data: { endpointId: endpoint.id } });
    expect(validateEvent(body)).toMatchObject({ ok: true, contract: { type: 'webhook.ping', version: 1, owner: 'notification' } });
  });

  it('nobody subscribes to it: it is sent only when asked for, to that endpoint', () => {
    expect(SUBSCRIBABLE_EVENT_TYPES).not.toContain('webhook.ping');
    expect(filterProblem('webhook.ping')).toMatch(/no event of domain webhook is delivered/);
    expect(filterProblem('webhook.*')).toMatch(/no event of domain webhook is delivered/);
  });
});
