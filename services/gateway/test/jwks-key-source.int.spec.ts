import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JWKS_COOLDOWN_MS, JwksKeySource, ServiceUnavailableError } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';

const publicJwk = (kid: string) => ({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' });

/** A promise the test settles by hand. */
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

/**
 * A JWKS endpoint on 127.0.0.1 whose keys, failures and delays the test sets. `requests` counts
 * fetches; `arrived` settles when the next fetch reaches the server.
 */
const startJwksServer = async () => {
  const state = {
    keys: [publicJwk('kid-a')] as Record<string, unknown>[],
    failNext: 0,
    hold: undefined as Promise<void> | undefined,
    requests: 0,
    arrived: gate(),
  };
  const server: Server = createServer(async (_req, res) => {
    state.requests += 1;
    state.arrived.open();
    if (state.hold) await state.hold;
    if (state.failNext > 0) {
      state.failNext -= 1;
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return { state, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

describe('JwksKeySource: refreshes never refuse valid keys', () => {
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let clock: TestClock;
  let source: JwksKeySource;

  beforeEach(async () => {
    jwks = await startJwksServer();
    clock = new TestClock('2026-05-01T10:00:00.000Z');
    source = new JwksKeySource(jwks.url, () => clock.now().getTime(), { cacheMaxAgeMs: 300_000, cooldownMs: JWKS_COOLDOWN_MS });
    expect(await source.getKey('kid-a')).toBeDefined();
  });

  afterEach(async () => {
    await jwks.close();
  });

  it('callers that arrive while a refresh is in flight wait for it and get the new kid, not "unknown signing key"', async () => {
    clock.advanceMs(JWKS_COOLDOWN_MS);
    jwks.state.keys = [...jwks.state.keys, publicJwk('kid-b')];
    const release = gate();
    jwks.state.hold = release.opened;
    jwks.state.arrived = gate();

    const first = source.getKey('kid-b'); // starts the refresh
    await jwks.state.arrived.opened;
    const second = source.getKey('kid-b'); // arrives during it
    const known = await source.getKey('kid-a'); // a known kid answers without waiting for it
    release.open();

    expect(known).toBeDefined();
    expect(await first).toBeDefined();
    expect(await second).toBeDefined();
    expect(jwks.state.requests).toBe(2); // one initial fetch, one shared refresh
  });

  it('a failed fetch does not poison the cache: the next request fetches again at once', async () => {
    clock.advanceMs(JWKS_COOLDOWN_MS);
    jwks.state.keys = [...jwks.state.keys, publicJwk('kid-b')];
    jwks.state.failNext = 1;

    // The JWKS could not vouch for the kid: a 503 for this request, not a 401.
    await expect(source.getKey('kid-b')).rejects.toBeInstanceOf(ServiceUnavailableError);
    // No time has passed, well within the 30 s cooldown: the failure did not count as a fetch.
    expect(await source.getKey('kid-b')).toBeDefined();
    expect(jwks.state.requests).toBe(3);
  });

  it('past its max age the set refreshes in the background; known kids keep verifying even when that refresh fails', async () => {
    clock.advanceMs(300_000);
    jwks.state.failNext = 1;
    jwks.state.arrived = gate();

    expect(await source.getKey('kid-a')).toBeDefined();
    await jwks.state.arrived.opened; // the background refresh happened (and failed)
    expect(await source.getKey('kid-a')).toBeDefined();
  });

  it('unknown kids refetch at most once per cooldown, so junk kids cannot flood the JWKS', async () => {
    for (let i = 0; i < 20; i++) expect(await source.getKey(`junk-${i}`)).toBeUndefined();
    expect(jwks.state.requests).toBe(1);

    clock.advanceMs(JWKS_COOLDOWN_MS);
    expect(await source.getKey('junk-late')).toBeUndefined();
    expect(jwks.state.requests).toBe(2);
  });

  it('skips JWKS members that are private keys or not for signatures', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    jwks.state.keys = [
      { ...privateKey.export({ format: 'jwk' }), kid: 'kid-private', alg: 'ES256' },
      { ...publicJwk('kid-enc'), use: 'enc' },
      { kty: 'EC', kid: 'kid-broken' },
      publicJwk('kid-c'),
    ];
    clock.advanceMs(JWKS_COOLDOWN_MS);

    expect(await source.getKey('kid-c')).toBeDefined();
    for (const kid of ['kid-private', 'kid-enc', 'kid-broken']) expect(await source.getKey(kid)).toBeUndefined();
  });
});
