import { sampleTicket } from '@tss/runtime/testing';
import { metricsRegistry } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { ALL_SERVICES } from '../src/single-process-platform';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SERVICES: ReadonlySet<string> = new Set(ALL_SERVICES.map((m) => m.name));

/** Every series of the process registry whose metric is TSS's own: name, labels. */
const tssSeries = async () =>
  (await metricsRegistry().getMetricsAsJSON())
    .filter((m) => m.name.startsWith('tss_') || m.name === 'http_request_duration_seconds')
    .flatMap((m) => m.values.map((v) => ({ name: m.name, labels: v.labels })));

/**
 * The Grafana dashboard filters every panel by `service`, with values from the metrics themselves
 * (deploy/grafana/tss-dashboard.json). One process serves every service here: each series must
 * still say which one it belongs to, by the same name in every metric.
 */
describe('metric labels, single-process mode (real PostgreSQL)', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform('metric_labels', { clock: new TestClock('2026-02-02T08:00:00.000Z') });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('every TSS series carries `service`, a service’s name; a request is counted under the service whose route answered it', async () => {
    const acme = await platform.client.partner(await platform.adminToken(), 'Acme Labelled');
    const filed = await platform.client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    expect((await platform.client.http().get('/v1/webhooks/endpoints').auth(acme.token, { type: 'bearer' })).status).toBe(200);
    await waitFor('the ticket consumed by sla-timer', async () =>
      (await tssSeries()).some((s) => s.name === 'tss_consumer_events_total' && s.labels.service === 'sla-timer'),
    );

    const series = await tssSeries();
    const http = series.filter((s) => s.name === 'http_request_duration_seconds');
    expect(http).toEqual(expect.arrayContaining([
      expect.objectContaining({ labels: expect.objectContaining({ service: 'ticket-intake', route: '/v1/tickets', method: 'POST' }) }),
      expect.objectContaining({ labels: expect.objectContaining({ service: 'notification', route: '/v1/webhooks/endpoints' }) }),
      expect.objectContaining({ labels: expect.objectContaining({ service: 'gateway' }) }),
    ]));
    expect(series.some((s) => s.name.startsWith('tss_timer'))).toBe(true);
    // Routes of no service (health, API docs) keep the process's name; every other series names a service.
    const unlabelled = series.filter((s) => !SERVICES.has(String(s.labels.service)) && !(s.name === 'http_request_duration_seconds' && s.labels.service === 'tss'));
    expect(unlabelled).toEqual([]);
  });
});
