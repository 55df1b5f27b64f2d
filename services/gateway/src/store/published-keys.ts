import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Clock, PublicKeySource } from '@tss/service-kit';
import type { ScheduledKey } from '../domain/key-schedule';
import type { SigningKeyRow } from './gateway.entities';
import type { SigningKeyStore } from './signing-key.store';

export interface PublishedKey extends ScheduledKey {
  publicKey: KeyObject;
  publicJwk: Record<string, string>;
  row: SigningKeyRow;
}

const CACHE_MS = 10_000;
const MISS_RELOAD_MS = 1_000;

/**
 * Every non-retired signing key, as the JWKS publishes it and as the gateway's own process
 * verifies with it. One query per 10 s at most, shared by concurrent callers; public keys come
 * from the published JWK, so verifying never touches private key material.
 */
export class PublishedKeys implements PublicKeySource {
  private cache?: { loadedAtMs: number; keys: PublishedKey[] };
  private loading?: Promise<PublishedKey[]>;
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(
    private readonly store: SigningKeyStore,
    private readonly clock: Clock,
  ) {}

  /** Forget the cached list: this process just changed the keys. */
  invalidate(): void {
    this.cache = undefined;
  }

  async list(): Promise<PublishedKey[]> {
    const nowMs = this.clock.now().getTime();
    if (this.cache && nowMs - this.cache.loadedAtMs < CACHE_MS) return this.cache.keys;
    return this.reload();
  }

  async jwks(): Promise<{ keys: Record<string, string>[] }> {
    return { keys: (await this.list()).map((k) => k.publicJwk) };
  }

  async getKey(kid: string): Promise<KeyObject | undefined> {
    const cached = (await this.list()).find((k) => k.kid === kid);
    if (cached) return cached.publicKey;
    // A key another replica added: look again, at most once a second.
    if (this.cache && this.clock.now().getTime() - this.cache.loadedAtMs >= MISS_RELOAD_MS) {
      return (await this.reload()).find((k) => k.kid === kid)?.publicKey;
    }
    return undefined;
  }

  private reload(): Promise<PublishedKey[]> {
    this.loading ??= this.store
      .active()
      .then((rows) => {
        const keys = rows.map((row) => this.toPublished(row));
        this.cache = { loadedAtMs: this.clock.now().getTime(), keys };
        return keys;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private toPublished(row: SigningKeyRow): PublishedKey {
    let publicKey = this.publicKeys.get(row.kid);
    if (!publicKey) {
      publicKey = createPublicKey({ key: row.publicJwk, format: 'jwk' });
      this.publicKeys.set(row.kid, publicKey);
    }
    return { kid: row.kid, createdAt: row.createdAt, signsFrom: row.signsFrom, publicKey, publicJwk: row.publicJwk, row };
  }
}
