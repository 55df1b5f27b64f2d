import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { JwksKeySource, JwksStatus, metricsRegistry, ServiceUnavailableError } from '../src';
import { freePort, logCapture, TestClock } from '../src/testing';

const publicJwk = (kid: string) => ({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' });

const available = async (service: string, jwks: string): Promise<number | undefined> =>
  (await metricsRegistry().getSingleMetric('tss_jwks_available')?.get())?.values.find((v) => v.labels.service === service && v.labels.jwks === jwks)?.value;

/** A JWKS endpoint that answers 503 (the gateway without its database) while `down` is set. */
const startJwksServer = async () => {
  const state = { down: true };
  const server: Server = createServer((_req, res) => {
    if (state.down) res.writeHead(503).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk('kid-a')] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return { state, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

// An operator found every forwarded call answering 503 with /readyz at 200 and nothing saying why:
// the services could not reach the gateway's JWKS (a NetworkPolicy). Readiness stays independent of
// the JWKS (docs/adr/0021, seventh session); an outage is a log line and a gauge.
describe('JWKS status: an outage is one warning, a gauge at 0, and one line when it ends', () => {
  it('logs the first failed fetch of an outage only, sets tss_jwks_available to 0, then back to 1', async () => {
    const jwks = await startJwksServer();
    const { lines, stream } = logCapture();
    const clock = new TestClock('2026-12-04T10:00:00.000Z');
    const nowMs = () => clock.now().getTime();
    const status = new JwksStatus({ service: 'jwks-status-test', jwks: 'gateway', logger: pino({ level: 'debug' }, stream), nowMs });
    const source = new JwksKeySource(jwks.url, nowMs, { observer: status });
    try {
      for (let i = 0; i < 3; i += 1) await expect(source.getKey('kid-a')).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(await available('jwks-status-test', 'gateway')).toBe(0);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 40, jwks: 'gateway', outage: 'started' });
      expect(lines[0].msg).toContain(`JWKS ${jwks.url} answered 503`);

      clock.advanceMs(45_000);
      jwks.state.down = false;
      expect(await source.getKey('kid-a')).toBeDefined();
      expect(await available('jwks-status-test', 'gateway')).toBe(1);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatchObject({ level: 30, jwks: 'gateway', outage: 'ended', outageMs: 45_000, failedFetches: 3, msg: 'JWKS available again' });
    } finally {
      await jwks.close();
    }
  });

  it("names the connection's own error when nothing listens", async () => {
    const { lines, stream } = logCapture();
    const nowMs = () => 0;
    const status = new JwksStatus({ service: 'jwks-status-refused', jwks: 'oidc', logger: pino({ level: 'info' }, stream), nowMs });
    const source = new JwksKeySource(`http://127.0.0.1:${await freePort()}/certs`, nowMs, { observer: status });
    await expect(source.getKey('kid-a')).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(lines).toHaveLength(1);
    expect(lines[0].msg).toMatch(/^JWKS unavailable: JWKS http:\/\/127\.0\.0\.1:\d+\/certs unreachable: fetch failed: .*ECONNREFUSED/);
    expect(await available('jwks-status-refused', 'oidc')).toBe(0);
  });
});
