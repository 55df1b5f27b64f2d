import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import request from 'supertest';
import { ConfigError, createServiceApp, loadConfig, type ServiceApp } from '@tss/service-kit';
import { EdgeConfigSchema, installEdgeProtection } from '../src/http/edge-protection';
import { clientAddress, parseTrustProxy, TrustProxySetting } from '../src/http/client-address';

/** The tests' requests come from 127.0.0.1: that is the ingress here. */
const INGRESS = '127.0.0.1';

/** A gateway-like app behind an ingress: 2 requests per window per key, one public route. */
const appBehindIngress = async (trustProxy: string | undefined): Promise<ServiceApp> => {
  const app = await createServiceApp({ name: 'gateway', logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  await installEdgeProtection(app, loadConfig(EdgeConfigSchema, { TSS_RATE_LIMIT_MAX: '2', ...(trustProxy ? { TSS_TRUST_PROXY: trustProxy } : {}) }));
  app.get('/v1/auth/ping', { config: { public: true } }, async () => ({ ok: true }));
  await app.listen({ host: INGRESS, port: 0 });
  return app;
};

const fromIngress = (app: ServiceApp, forwardedFor: string) => request(app.server).get('/v1/auth/ping').set('x-forwarded-for', forwardedFor);

describe('rate limits behind an ingress (TSS_TRUST_PROXY)', () => {
  const apps: ServiceApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('with the ingress trusted, X-Forwarded-For decides the rate-limit key: each client has its own budget', async () => {
    const app = await appBehindIngress(`${INGRESS}/32`);
    apps.push(app);

    expect((await fromIngress(app, '203.0.113.1')).status).toBe(200);
    expect((await fromIngress(app, '203.0.113.1')).status).toBe(200);
    expect((await fromIngress(app, '203.0.113.1')).status).toBe(429);
    // Another client behind the same ingress is not limited by the first one's requests.
    const other = await fromIngress(app, '203.0.113.2');
    expect(other.status).toBe(200);
    expect(other.headers['ratelimit-remaining']).toBe('1');
  });

  it('a client cannot pick its key by writing its own X-Forwarded-For entries in front', async () => {
    const app = await appBehindIngress(INGRESS);
    apps.push(app);

    // The ingress appends the real peer (203.0.113.9) after whatever the client sent.
    for (const spoofed of ['198.51.100.1', '198.51.100.2']) expect((await fromIngress(app, `${spoofed}, 203.0.113.9`)).status).toBe(200);
    expect((await fromIngress(app, '198.51.100.3, 203.0.113.9')).status).toBe(429);
  });

  it('without TSS_TRUST_PROXY, X-Forwarded-For is ignored: everyone behind the ingress shares its address', async () => {
    const app = await appBehindIngress(undefined);
    apps.push(app);

    expect((await fromIngress(app, '203.0.113.1')).status).toBe(200);
    expect((await fromIngress(app, '203.0.113.2')).status).toBe(200);
    expect((await fromIngress(app, '203.0.113.3')).status).toBe(429);
  });
});

describe('client address behind proxies', () => {
  it('follows fastify trustProxy semantics: true, a hop count, addresses and CIDRs', () => {
    const xff = '198.51.100.1, 203.0.113.9, 10.1.2.3';
    const peer = '10.0.0.7';
    expect(clientAddress(peer, xff, parseTrustProxy('false'))).toBe(peer);
    expect(clientAddress(peer, xff, parseTrustProxy('true'))).toBe('198.51.100.1');
    expect(clientAddress(peer, xff, parseTrustProxy('1'))).toBe('10.1.2.3');
    expect(clientAddress(peer, xff, parseTrustProxy('2'))).toBe('203.0.113.9');
    expect(clientAddress(peer, xff, parseTrustProxy('10.0.0.0/8'))).toBe('203.0.113.9');
    expect(clientAddress(peer, xff, parseTrustProxy('10.0.0.7, 10.1.2.3'))).toBe('203.0.113.9');
    expect(clientAddress('::ffff:10.0.0.7', '2001:db8::1', parseTrustProxy('10.0.0.7'))).toBe('2001:db8::1');
    expect(clientAddress('2001:db8::5', '203.0.113.9', parseTrustProxy('2001:db8::/64'))).toBe('203.0.113.9');
    expect(clientAddress(peer, undefined, parseTrustProxy('true'))).toBe(peer);
    expect(clientAddress(peer, ['203.0.113.9', '10.1.2.3'], parseTrustProxy('2'))).toBe('203.0.113.9');
  });

  it('TSS_TRUST_PROXY rejects what is not a boolean, a count or addresses, naming the entry', () => {
    for (const ok of ['false', 'true', '2', '10.0.0.0/8', '10.0.0.7, 2001:db8::/32']) expect(Value.Check(TrustProxySetting, ok)).toBe(true);
    for (const bad of ['yes', 'loopback', '10.0.0.0/8;rm']) expect(Value.Check(TrustProxySetting, bad)).toBe(false);
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(ConfigError);
    expect(() => parseTrustProxy('1.2.3')).toThrow(/1\.2\.3 is not an IP address/);
  });
});
