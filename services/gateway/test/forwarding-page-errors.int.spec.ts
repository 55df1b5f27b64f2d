import pino from 'pino';
import request from 'supertest';
import { createServiceApp, PROBLEM_CONTENT_TYPE, type ServiceApp } from '@tss/service-kit';
import { freePort, logCapture } from '@tss/service-kit/testing';
import { forwardToServices, parseRouteTimeouts, type ServiceUrls } from '../src/http/forwarding';
import { hungService } from './support/hung-service';

const RATE_TIMEOUT_MS = 300;

const startGateway = async (ratingUrl: string, name: string, logger = pino({ level: 'silent' })): Promise<{ gateway: ServiceApp; url: string }> => {
  const urls: ServiceUrls = { 'ticket-intake': ratingUrl, 'sla-timer': ratingUrl, notification: ratingUrl, escalation: ratingUrl, rating: ratingUrl };
  const gateway = await createServiceApp({ name, logger });
  await gateway.register(forwardToServices(urls, { timeoutMs: 10_000, routeTimeouts: parseRouteTimeouts(`/rate=${RATE_TIMEOUT_MS},/v1/ratings=${RATE_TIMEOUT_MS}`) }));
  return { gateway, url: await gateway.listen({ host: '127.0.0.1', port: 0 }) };
};

describe('gateway forwarding: a rating page whose service is hung or down (services mode)', () => {
  const { lines, stream } = logCapture();
  let hung: Awaited<ReturnType<typeof hungService>>;
  let slow: { gateway: ServiceApp; url: string };
  let down: { gateway: ServiceApp; url: string };

  beforeAll(async () => {
    hung = await hungService();
    slow = await startGateway(hung.url, 'gateway-hung-rating', pino({ level: 'trace' }, stream));
    down = await startGateway(`http://127.0.0.1:${await freePort()}`, 'gateway-down-rating');
  });

  afterAll(async () => {
    await slow?.gateway.close();
    await down?.gateway.close();
    await hung?.close();
  });

  it('a rating page rating does not answer in time is the plain "temporarily unavailable" page (504, Retry-After) in the reader’s language, not problem+json', async () => {
    const response = await request(slow.url).get('/rate/link-token-hung').set('accept', 'text/html').set('accept-language', 'ru').set('x-request-id', 'req-rate-hung');

    expect(response.status).toBe(504);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['retry-after']).toBe('5');
    expect(response.headers['cache-control']).toContain('no-store');
    expect(response.text).toContain('<html lang="ru"');
    expect(response.text).toContain('Временно недоступно');
    expect(response.text).not.toContain('link-token-hung');
    const failed = lines.filter((l) => l.reqId === 'req-rate-hung' && l.msg === 'forwarding failed');
    expect(failed).toMatchObject([{ level: 40, statusCode: 504 }]);
  });

  it('a rating form sent to a hung service is a page that says the rating could not be confirmed, not that it was lost', async () => {
    const response = await request(slow.url).post('/rate/link-token-hung').type('form').send('score=5').set('accept-language', 'en');

    expect(response.status).toBe(504);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['retry-after']).toBe('5');
    expect(response.text).toContain('We could not confirm');
  });

  it('a rating page whose service is down is the plain "temporarily unavailable" page (503, Retry-After)', async () => {
    const response = await request(down.url).get('/rate/link-token-down').set('accept', 'text/html').set('accept-language', 'en');

    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['retry-after']).toBe('5');
    expect(response.text).toContain('Temporarily unavailable');
  });

  it('the rating API keeps its problem+json', async () => {
    const timedOut = await request(slow.url).get('/v1/ratings/link-token-hung').set('accept', 'text/html');
    expect(timedOut.status).toBe(504);
    expect(timedOut.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(timedOut.body).toMatchObject({ type: 'https://tss.dev/problems/upstream-timeout' });

    const refused = await request(down.url).post('/v1/ratings/link-token-down').send({ score: 5 });
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(refused.body).toMatchObject({ type: 'https://tss.dev/problems/upstream-unavailable' });
  });
});
