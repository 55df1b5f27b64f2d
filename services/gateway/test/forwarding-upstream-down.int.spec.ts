import pino from 'pino';
import request from 'supertest';
import { createServiceApp, metricsRegistry, PROBLEM_CONTENT_TYPE, type ServiceApp } from '@tss/service-kit';
import { freePort, logCapture, waitFor } from '@tss/service-kit/testing';
import { forwardToServices, type ServiceUrls } from '../src/http/forwarding';

const requestsCounted = async (statusCode: number): Promise<number> =>
  (await metricsRegistry().getSingleMetric('http_request_duration_seconds')?.get())?.values.find(
    (v) => 'metricName' in v && v.metricName === 'http_request_duration_seconds_count' && v.labels.service === 'gateway-down' && v.labels.status_code === String(statusCode),
  )?.value ?? 0;

describe('gateway forwarding to a service nobody listens for', () => {
  const { lines, stream } = logCapture();
  const log = { lines, logger: pino({ level: 'trace' }, stream) };
  const sendsPerRequest = new Map<string, number>();
  let gateway: ServiceApp;
  let gatewayUrl: string;

  beforeAll(async () => {
    const downUrl = `http://127.0.0.1:${await freePort()}`; // refused: ECONNREFUSED
    const urls: ServiceUrls = { 'ticket-intake': downUrl, 'sla-timer': downUrl, notification: downUrl, escalation: downUrl, rating: downUrl };
    gateway = await createServiceApp({ name: 'gateway-down', logger: log.logger });
    // Every reply.send runs onSend: more than one per request is a second answer to one request.
    gateway.addHook('onSend', async (request, _reply, payload) => {
      sendsPerRequest.set(request.id, (sendsPerRequest.get(request.id) ?? 0) + 1);
      return payload;
    });
    await gateway.register(forwardToServices(urls, { timeoutMs: 10_000 }));
    gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('a refused POST with a body is answered once, a 503 that the log and the metric call 503, with no error logged', async () => {
    const unavailableBefore = await requestsCounted(503);
    const failedBefore = await requestsCounted(500);

    const response = await request(gatewayUrl)
      .post('/v1/tickets')
      .set('x-request-id', 'req-upstream-down-1')
      .send({ subject: 'Printer on fire', body: 'It is on fire.' });

    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/upstream-unavailable', status: 503, detail: 'ticket-intake is unavailable; retry later.' });

    const completed = await waitFor('the request-completed line', () => log.lines.find((l) => l.reqId === 'req-upstream-down-1' && l.msg === 'request completed'));
    expect(completed.statusCode).toBe(503);
    expect(log.lines.filter((l) => l.reqId === 'req-upstream-down-1' && l.msg === 'request completed')).toHaveLength(1);
    expect(sendsPerRequest.get('req-upstream-down-1')).toBe(1);
    expect(log.lines.filter((l) => l.level >= 50)).toEqual([]);
    const failed = log.lines.filter((l) => l.reqId === 'req-upstream-down-1' && l.msg === 'forwarding failed');
    expect(failed).toHaveLength(1);
    // The line says what the client got, and why, not reply-from's 500 wrapper.
    expect(failed[0]).toMatchObject({ statusCode: 503, err: { message: expect.stringContaining('ECONNREFUSED') } });
    expect(JSON.stringify(failed[0])).not.toContain('"statusCode":500');
    expect(await requestsCounted(503)).toBe(unavailableBefore + 1);
    expect(await requestsCounted(500)).toBe(failedBefore);
  });

  it('a refused GET is answered once as a 503 too', async () => {
    const response = await request(gatewayUrl).get('/v1/queue').set('x-request-id', 'req-upstream-down-2');

    expect(response.status).toBe(503);
    const completed = await waitFor('the request-completed line', () => log.lines.find((l) => l.reqId === 'req-upstream-down-2' && l.msg === 'request completed'));
    expect(completed.statusCode).toBe(503);
    expect(sendsPerRequest.get('req-upstream-down-2')).toBe(1);
    expect(log.lines.filter((l) => l.reqId === 'req-upstream-down-2' && l.level >= 50)).toEqual([]);
  });
});
