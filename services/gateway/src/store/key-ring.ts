import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { In, IsNull, type DataSource } from 'typeorm';
import { keysToRetire } from '../domain/grants';
import type { Clock, PublicKeySource } from '@tss/service-kit';
import { SigningKeyEntity, type SigningKeyRow } from './gateway.entities';

interface LoadedKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: Record<string, string>;
  createdAt: Date;
}

const CACHE_MS = 10_000;
const MISS_RELOAD_MS = 1_000;
/** 15-minute tokens plus the 30 s verification tolerance. */
const TOKEN_LIFETIME_WITH_SKEW_MS = 15 * 60_000 + 30_000;

/**
 * The gateway's signing keys (ES256, P-256). The newest active key signs; every active key is
 * published in the JWKS, so a rotation keeps two valid at once until the old one retires.
 */
export class KeyRing implements PublicKeySource {
  private cache?: { loadedAtMs: number; keys: LoadedKey[] };

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async ensureKey(): Promise<void> {
    if ((await this.activeKeys()).length === 0) await this.rotate();
  }

  /**
   * Adds a new signing key. The previous key stays published, so tokens it signed keep verifying;
   * keys whose successor has signed for longer than a token lives are retired (docs/adr/0012).
   */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = randomUUID();
    const row: SigningKeyRow = {
      kid,
      algorithm: 'ES256',
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      publicJwk: { ...(publicKey.export({ format: 'jwk' }) as Record<string, string>), kid, alg: 'ES256', use: 'sig' },
      createdAt: this.clock.now(),
      retiredAt: null,
    };
    await this.dataSource.getRepository(SigningKeyEntity).insert(row);
    this.cache = undefined;
    await this.retireOldKeys();
    return kid;
  }

  /** Rotates when the signing key is older than `maxAgeMs`; retires keys no token can need. */
  async rotateIfOlderThan(maxAgeMs: number): Promise<void> {
    const current = await this.signingKey();
    if (this.clock.now().getTime() - current.createdAt.getTime() >= maxAgeMs) await this.rotate();
    else await this.retireOldKeys();
  }

  private async retireOldKeys(): Promise<void> {
    const repo = this.dataSource.getRepository(SigningKeyEntity);
    const active = await repo.find({ where: { retiredAt: IsNull() } });
    const retire = keysToRetire(active, this.clock.now(), TOKEN_LIFETIME_WITH_SKEW_MS);
    if (retire.length === 0) return;
    await repo.update({ kid: In(retire) }, { retiredAt: this.clock.now() });
    this.cache = undefined;
  }

  async signingKey(): Promise<LoadedKey> {
    const keys = await this.activeKeys();
    const newest = keys.at(-1);
    if (!newest) throw new Error('no active signing key');
    return newest;
  }

  async jwks(): Promise<{ keys: Record<string, string>[] }> {
    return { keys: (await this.activeKeys()).map((k) => k.publicJwk) };
  }

  async getKey(kid: string): Promise<KeyObject | undefined> {
    const cached = (await this.activeKeys()).find((k) => k.kid === kid);
    if (cached) return cached.publicKey;
    // A key rotated in by another replica: look again, at most once a second.
    if (this.cache && this.clock.now().getTime() - this.cache.loadedAtMs >= MISS_RELOAD_MS) {
      this.cache = undefined;
      return (await this.activeKeys()).find((k) => k.kid === kid)?.publicKey;
    }
    return undefined;
  }

  private async activeKeys(): Promise<LoadedKey[]> {
    const nowMs = this.clock.now().getTime();
    if (this.cache && nowMs - this.cache.loadedAtMs < CACHE_MS) return this.cache.keys;
    const rows = await this.dataSource.getRepository(SigningKeyEntity).find({ where: { retiredAt: IsNull() }, order: { createdAt: 'ASC' } });
    const keys = rows.map((r) => {
      const privateKey = createPrivateKey(r.privateKeyPem);
      return { kid: r.kid, privateKey, publicKey: createPublicKey(privateKey), publicJwk: r.publicJwk, createdAt: r.createdAt };
    });
    this.cache = { loadedAtMs: nowMs, keys };
    return keys;
  }
}
