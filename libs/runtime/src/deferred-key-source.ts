import type { KeyObject } from 'node:crypto';
import type { AccessTokenClaims, PublicKeySource } from '@tss/service-kit';

/** A key source bound after start-up (the gateway's key ring exists only once its database is open). */
export class DeferredKeySource implements PublicKeySource {
  private target?: PublicKeySource;

  bind(target: PublicKeySource): void {
    this.target = target;
  }

  async getKey(kid: string): Promise<KeyObject | undefined> {
    return this.target?.getKey(kid);
  }

  async isRevoked(claims: AccessTokenClaims): Promise<boolean> {
    return (await this.target?.isRevoked?.(claims)) ?? false;
  }
}
