import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bootstrapAdmin, type ServiceUrls } from '@tss/gateway';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE, systemClock } from '@tss/service-kit';
import { ServiceInstances, startForwardingGateway } from './support/service-instances';

const BODY_LIMIT_BYTES = 16 * 1024;
const ADMIN = { clientId: 'sc_forwarding_admin', clientSecret: 'forwarding-admin-secret-0123456789' };

interface Received {
  url: string;
  contentType: string | undefined;
  authorization: string | undefined;
  conditions: { ifMatch: string | undefined; ifNoneMatch: string | undefined };
  body: Buffer;
}

/**
 * Services mode as deployed: the gateway instance with its edge protection (body limit from
 * TSS_BODY_LIMIT_BYTES), authentication and forwarding, in front of a fake notification and
 * ticket-intake service on 127.0.0.1 that records the exact bytes it receives.
 */
describe('services mode: the gateway forwards attachments and raw mail as they came', () => {
  const received: Received[] = [];
  let upstream: Server;
  let db: TestDatabase;
  let services: ServiceInstances;
  let gateway: PlatformClient;
  let partnerToken: string;
  let admin: string;
  let partnerId: string;

  beforeAll(async () => {
    upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          url: req.url ?? '',
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
          conditions: { ifMatch: req.headers['if-match'], ifNoneMatch: req.headers['if-none-match'] },
          body: Buffer.concat(chunks),
        });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"stored":true}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const urls: ServiceUrls = { 'ticket-intake': upstreamUrl, 'sla-timer': upstreamUrl, notification: upstreamUrl, escalation: upstreamUrl, rating: upstreamUrl };

    db = await createTestDatabase('forwarding_bodies_services');
    services = new ServiceInstances(db.url);
    const { instance, url } = await startForwardingGateway(services, urls, { forwarding: { timeoutMs: 5_000 }, edge: { TSS_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) } });
    gateway = new PlatformClient(url);
    const host = instance.host;
    await bootstrapAdmin({ dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock: systemClock, logger: host.logger }, ADMIN);
    admin = await gateway.token(ADMIN.clientId, ADMIN.clientSecret);
    const partner = await gateway.partner(admin, 'Forwarding Partner');
    partnerToken = partner.token;
    partnerId = partner.partnerId;
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await new Promise<void>((resolve) => upstream?.close(() => resolve()));
    await db?.drop();
  });

  it('P8: a multipart attachment upload reaches ticket-intake byte for byte, with the caller’s token', async () => {
    const boundary = 'tss-7MA4YWxkTrZu0gW';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="crash.png"\r\nContent-Type: image/png\r\n\r\n`),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x0d, 0x0a]),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);

    const response = await gateway.http().post('/v1/tickets/t-9/attachments').auth(partnerToken, { type: 'bearer' }).set('content-type', `multipart/form-data; boundary=${boundary}`).send(body);

    expect(response.status).toBe(201);
    const last = received.at(-1);
    expect(last?.url).toBe('/v1/tickets/t-9/attachments');
    expect(last?.contentType).toBe(`multipart/form-data; boundary=${boundary}`);
    expect(last?.authorization).toBe(`Bearer ${partnerToken}`);
    expect(last?.body.equals(body)).toBe(true);
  });

  it('P8: a raw inbound mail (message/rfc822) reaches notification byte for byte', async () => {
    const mail = Buffer.from('From: dana@client.example\r\nSubject: Re: [TSS-7K2Q-9]\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nStill broken.  \r\nПривет\r\n');

    const response = await gateway.http().post('/v1/inbound/mail').auth(partnerToken, { type: 'bearer' }).set('content-type', 'message/rfc822').send(mail);

    expect(response.status).toBe(201);
    expect(received.at(-1)?.contentType).toBe('message/rfc822');
    expect(received.at(-1)?.body.equals(mail)).toBe(true);
  });

  it('a body over TSS_BODY_LIMIT_BYTES is a 413 problem at the gateway and never reaches a service', async () => {
    const before = received.length;
    const response = await gateway
      .http()
      .post('/v1/tickets/t-9/attachments')
      .auth(partnerToken, { type: 'bearer' })
      .set('content-type', 'application/octet-stream')
      .send(Buffer.alloc(BODY_LIMIT_BYTES + 1));

    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(received.length).toBe(before);
  });

  it('without a valid token nothing is forwarded, whatever the media type', async () => {
    const before = received.length;
    const response = await gateway.http().post('/v1/inbound/mail').set('content-type', 'message/rfc822').send(Buffer.from('From: x\r\n\r\nhi'));

    expect(response.status).toBe(401);
    expect(received.length).toBe(before);
  });

  it('routes that carry their own credential reach their service without a token (a rating link, the inbound-mail secret); the rest stay behind it', async () => {
    const before = received.length;
    const mail = Buffer.from('From: dana@client.example\r\nSubject: hi\r\n\r\nhello\r\n');
    expect((await gateway.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').send(mail)).status).toBe(201);
    expect((await gateway.http().post('/v1/ratings/tok-123').send({ score: 5, solved: true })).status).toBe(201);
    expect((await gateway.http().get('/rate/tok-123')).status).toBe(201);
    expect(received.slice(before).map((r) => [r.url, r.authorization])).toEqual([
      ['/v1/inbound/email', undefined],
      ['/v1/ratings/tok-123', undefined],
      ['/rate/tok-123', undefined],
    ]);
    expect((await gateway.http().get('/v1/ratings')).status).toBe(401);
    expect((await gateway.http().post('/v1/inbound/quarantine')).status).toBe(401);
    expect(received.length).toBe(before + 3);
  });

  it('a rating link the router cannot read is the plain 404 page at the gateway, as rating would answer it, not a problem', async () => {
    const before = received.length;
    const response = await gateway.http().get('/rate/%ff');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('<h1>Page not found</h1>');
    expect(received.length).toBe(before);
  });

  it('If-Match and If-None-Match go on to the service owning the path, which evaluates them; the gateway evaluates its own routes’ (RFC 9110 §13.2)', async () => {
    const conditions = { 'if-match': '"3"', 'if-none-match': '"2"' };
    const patched = await gateway.http().patch('/v1/tickets/t-9').auth(partnerToken, { type: 'bearer' }).set(conditions).send({ category: 'theory' });
    expect([patched.status, received.at(-1)?.url, received.at(-1)?.conditions]).toEqual([201, '/v1/tickets/t-9', { ifMatch: '"3"', ifNoneMatch: '"2"' }]);
    const uploaded = await gateway.http().post('/v1/tickets/t-9/attachments').auth(partnerToken, { type: 'bearer' }).set(conditions).attach('file', Buffer.from('png'), 'x.png');
    expect([uploaded.status, received.at(-1)?.conditions]).toEqual([201, { ifMatch: '"3"', ifNoneMatch: '"2"' }]);

    const before = received.length;
    const stale = await gateway.http().patch(`/v1/partners/${partnerId}`).auth(admin, { type: 'bearer' }).set('if-match', '"bogus"').send({ name: 'Renamed' });
    expect([stale.status, stale.body.type]).toEqual([412, 'https://tss.dev/problems/precondition-failed']);
    expect((await gateway.http().get(`/v1/partners/${partnerId}`).auth(admin, { type: 'bearer' })).body.name).toBe('Forwarding Partner');
    expect(received.length).toBe(before);
  });
});
