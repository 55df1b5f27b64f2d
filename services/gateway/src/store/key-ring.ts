import { createPrivateKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { rewrapOrLeave, type Clock, type KeyWrapper, type SealedRef, type WrappedKey } from '@tss/service-kit';
import { keysToRetire, rotationDue, signingKeyAt } from '../domain/key-schedule';
import type { SigningKeyRow } from './gateway.entities';
import { PublishedKeys } from './published-keys';
import type { SigningKeyStore } from './signing-key.store';

/** 15-minute tokens plus the 30 s verification tolerance. */
const TOKEN_LIFETIME_WITH_SKEW_MS = 15 * 60_000 + 30_000;

export interface KeyRingOptions {
  /** Wraps private keys at rest (docs/adr/0014). */
  wrapper: KeyWrapper;
  /**
   * The master key ids the wrapper holds: a key filed under one of them that it does not open was
   * wrapped under other bytes given that id, and is left as it is at start, reported, rather than
   * stopping every start (docs/adr/0014, seventh session). Without it, any such key stops the start.
   */
  masterKeyIds?: ReadonlySet<string>;
  /** How long a new key is in the JWKS before it signs: longer than any verifier caches the JWKS. */
  prePublishMs: number;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/**
 * The gateway's signing keys (ES256, P-256). Every non-retired key is published in the JWKS; the
 * key that signs is the newest whose pre-publication window is over, so a rotation keeps the old
 * key signing until verifiers have fetched the new one, and published until no token needs it.
 * Private keys are stored wrapped and unwrapped once per process; the key list is cached, so a
 * token request costs no key query and no key generation.
 */
export class KeyRing {
  readonly published: PublishedKeys;
  private readonly privateKeys = new Map<string, Promise<KeyObject>>();
  private ageRotation?: Promise<unknown>;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly clock: Clock,
    private readonly options: KeyRingOptions,
  ) {
    this.published = new PublishedKeys(store, clock);
  }

  /**
   * At start: wraps private keys still stored in the clear (rows from before wrapping) or under an
   * older master key, and makes a first key when there is none. The first key signs at once: no
   * verifier can be waiting for it. Says what it re-wrapped, and which keys it left because their
   * own master key does not open them.
   */
  async ensureKey(): Promise<{ rewrapped: number; sealed: number; unopenable: SealedRef[] }> {
    const outcome = { rewrapped: 0, sealed: 0, unopenable: [] as SealedRef[] };
    for (const row of await this.store.needingProtection(this.options.wrapper.currentMasterKeyId)) {
      if (!(row.wrappedPrivateKey && row.masterKeyId)) {
        await this.store.replacePrivateKey(row.kid, await this.options.wrapper.wrap((await this.privateKeyOf(row)).export({ format: 'der', type: 'pkcs8' })));
        outcome.sealed += 1;
        continue;
      }
      const rewrapped = await this.rewrapped({ masterKeyId: row.masterKeyId, ciphertext: row.wrappedPrivateKey });
      if (rewrapped) {
        await this.store.replacePrivateKey(row.kid, rewrapped);
        outcome.rewrapped += 1;
      } else outcome.unopenable.push({ ref: row.kid, masterKeyId: row.masterKeyId });
    }
    if ((await this.published.list()).length === 0) await this.addKey(this.clock.now());
    return outcome;
  }

  /**
   * Publishes a new key, which signs once its pre-publication window is over. The previous key
   * stays published, so tokens it signed keep verifying; keys whose successor has signed for
   * longer than a token lives are retired (docs/adr/0012).
   */
  async rotate(): Promise<{ kid: string; signsFrom: Date }> {
    const signsFrom = new Date(this.clock.now().getTime() + this.options.prePublishMs);
    const kid = await this.addKey(signsFrom);
    await this.retireOldKeys();
    return { kid, signsFrom };
  }

  /** On each token request: rotates when the newest key is `maxAgeMs` old, retires keys no token can need. In memory unless either is due. */
  async rotateIfOlderThan(maxAgeMs: number): Promise<void> {
    if (!rotationDue(await this.published.list(), this.clock.now(), maxAgeMs)) return this.retireOldKeys();
    // Concurrent token requests that all find the key too old make one new key, not one each.
    this.ageRotation ??= this.rotate().finally(() => {
      this.ageRotation = undefined;
    });
    await this.ageRotation;
  }

  async signingKey(): Promise<SigningKey> {
    const current = signingKeyAt(await this.published.list(), this.clock.now());
    if (!current) throw new Error('no signing key whose pre-publication is over');
    let privateKey = this.privateKeys.get(current.kid);
    if (!privateKey) {
      privateKey = this.privateKeyOf(current.row);
      // A failed unwrap is not remembered: the next request tries again.
      privateKey.catch(() => this.privateKeys.delete(current.kid));
      this.privateKeys.set(current.kid, privateKey);
    }
    return { kid: current.kid, privateKey: await privateKey };
  }

  jwks(): Promise<{ keys: Record<string, string>[] }> {
    return this.published.jwks();
  }

  private async addKey(signsFrom: Date): Promise<string> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = randomUUID();
    const wrapped = await this.options.wrapper.wrap(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const jwk = publicKey.export({ format: 'jwk' });
    await this.store.insert({
      kid,
      algorithm: 'ES256',
      privateKeyPem: null,
      wrappedPrivateKey: wrapped.ciphertext,
      masterKeyId: wrapped.masterKeyId,
      publicJwk: { kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x), y: String(jwk.y), kid, alg: 'ES256', use: 'sig' },
      createdAt: this.clock.now(),
      signsFrom,
      retiredAt: null,
    });
    this.privateKeys.set(kid, Promise.resolve(privateKey));
    this.published.invalidate();
    return kid;
  }

  private async retireOldKeys(): Promise<void> {
    const retire = keysToRetire(await this.published.list(), this.clock.now(), TOKEN_LIFETIME_WITH_SKEW_MS);
    if (retire.length === 0) return;
    await this.store.retire(retire, this.clock.now());
    for (const kid of retire) this.privateKeys.delete(kid);
    this.published.invalidate();
  }

  private async privateKeyOf(row: SigningKeyRow): Promise<KeyObject> {
    if (row.wrappedPrivateKey && row.masterKeyId) {
      const der = await this.options.wrapper.unwrap({ masterKeyId: row.masterKeyId, ciphertext: row.wrappedPrivateKey });
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    }
    if (row.privateKeyPem) return createPrivateKey(row.privateKeyPem); // written before wrapping, by a replica not yet upgraded
    throw new Error(`signing key ${row.kid} has no private key`);
  }

  private rewrapped(wrapped: WrappedKey): Promise<WrappedKey | undefined> {
    const { wrapper, masterKeyIds } = this.options;
    return rewrapOrLeave({ wrapper, masterKeyIds: masterKeyIds ?? new Set() }, wrapped);
  }
}
