import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '@tss/service-kit';
import { forwardToServices, type ServiceUrls } from '../src/http/forwarding';

/** ADR 0007: a link's token is a credential, and no log line carries one: the gateway's forwarding included (services mode). */
describe('gateway forwarding logs (services mode)', () => {
  const lines: string[] = [];
  let upstream: FastifyInstance;
  let gateway: ServiceApp;
  let gatewayUrl: string;

  beforeAll(async () => {
    upstream = Fastify();
    upstream.all('/*', async (req) => ({ url: req.url }));
    const upstreamUrl = await upstream.listen({ host: '127.0.0.1', port: 0 });
    const urls: ServiceUrls = { 'ticket-intake': upstreamUrl, 'sla-timer': upstreamUrl, notification: upstreamUrl, escalation: upstreamUrl, rating: upstreamUrl };
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    gateway = await createServiceApp({ name: 'gateway', logger: pino({ level: 'trace' }, sink) });
    await gateway.register(forwardToServices(urls, { timeoutMs: 5_000 }));
    gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('forwarding a rating link logs neither its token nor a query value, at any level', async () => {
    const token = 'F6iZmZNfp5ohlREDP4S7w8ymQiqAAIOr1rh0NX-VSwY';
    for (const path of [`/rate/${token}`, `/v1/ratings/${token}?lang=secret-value`]) {
      const response = await request(gatewayUrl).get(path);
      expect(response.status).toBe(200);
      expect(response.body.url).toBe(path); // forwarded whole: only the log leaves it out
    }
    expect(lines.length).toBeGreaterThan(0); // the requests were logged (the route template, not the token)
    expect(lines.join('')).not.toMatch(new RegExp(`${token}|secret-value`));
  });
});
