import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '@tss/service-kit';
import { freePort, logCapture, waitFor } from '@tss/service-kit/testing';
import { answerWithPlainPages, pickLanguage } from '@tss/web-pages';
import { httpIntake, type IntakeApi } from '../src/upstream/intake-api';
import { hungService } from './support/hung-service';

const INTAKE_TIMEOUT_MS = 200;

/**
 * Services mode: a support-site page reads or writes through intake over HTTP (upstream/intake-api.ts),
 * in a page scope as the site's (answerWithPlainPages). Intake hung or down is not a fault of the page.
 */
describe('support-site pages when intake does not answer (services mode)', () => {
  const { lines, stream } = logCapture();
  let hung: Awaited<ReturnType<typeof hungService>>;
  let app: ServiceApp;
  let appUrl: string;

  beforeAll(async () => {
    hung = await hungService();
    const downUrl = `http://127.0.0.1:${await freePort()}`; // refused: ECONNREFUSED
    const intakes: Record<string, IntakeApi> = { hung: httpIntake(hung.url, INTAKE_TIMEOUT_MS), down: httpIntake(downUrl, INTAKE_TIMEOUT_MS) };
    app = await createServiceApp({ name: 'gateway-site-intake', logger: pino({ level: 'trace' }, stream) });
    await app.register(async (scope) => {
      await answerWithPlainPages(scope, { prefix: '/support', stylesheetHref: '/support/s.css', languageOf: (r) => pickLanguage(undefined, r.headers['accept-language']) });
      scope.get<{ Params: { intake: string } }>('/support/t/:intake', { config: { public: true } }, async (r) => {
        await intakes[r.params.intake].call({ method: 'GET', path: '/v1/tickets/t-1', token: 'requester.token' });
        return 'never';
      });
      scope.post<{ Params: { intake: string } }>('/support/t/:intake', { config: { public: true } }, async (r) => {
        await intakes[r.params.intake].call({ method: 'POST', path: '/v1/tickets/t-1/messages', token: 'requester.token', json: { body: 'Hi' }, idempotencyKey: 'k-1' });
        return 'never';
      });
    });
    appUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app?.close();
    await hung?.close();
  });

  it('a page intake does not answer in time is the "temporarily unavailable" page (504, Retry-After), logged at warn, not as a fault', async () => {
    const response = await request(appUrl).get('/support/t/hung').set('accept-language', 'en').set('x-request-id', 'req-site-hung');

    expect(response.status).toBe(504);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['retry-after']).toBe('5');
    expect(response.text).toContain('Temporarily unavailable');
    const completed = await waitFor('the request-completed line', () => lines.find((l) => l.reqId === 'req-site-hung' && l.msg === 'request completed'));
    expect(completed.statusCode).toBe(504);
    expect(lines.filter((l) => l.reqId === 'req-site-hung' && l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => l.reqId === 'req-site-hung' && l.msg === 'page unavailable')).toMatchObject([{ level: 40, statusCode: 504 }]);
  });

  it('a form intake does not answer in time says the reply could not be confirmed, not that it was lost', async () => {
    const response = await request(appUrl).post('/support/t/hung').set('accept-language', 'ru').set('x-request-id', 'req-site-hung-post');

    expect(response.status).toBe(504);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.text).toContain('Не удалось подтвердить отправку');
    expect(lines.filter((l) => l.reqId === 'req-site-hung-post' && l.level >= 50)).toEqual([]);
  });

  it('a page whose intake is down is the "temporarily unavailable" page (503, Retry-After)', async () => {
    const response = await request(appUrl).get('/support/t/down').set('accept-language', 'en').set('x-request-id', 'req-site-down');

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.text).toContain('Temporarily unavailable');
    expect(lines.filter((l) => l.reqId === 'req-site-down' && l.level >= 50)).toEqual([]);
  });
});
