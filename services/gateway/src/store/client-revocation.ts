import type { DataSource } from 'typeorm';
import type { AccessTokenClaims } from '@tss/service-kit';
import { isTokenRevoked } from '../domain/grants';
import { ApiClientEntity } from './gateway.entities';

/**
 * The gateway's revocation check, on every request it authenticates: the client that holds (or,
 * for requester tokens, minted) the token must be active, and the token must carry the client's
 * current version. One primary-key lookup, uncached, so disabling takes effect at once.
 */
export const clientRevocationCheck =
  (dataSource: DataSource) =>
  async (claims: AccessTokenClaims): Promise<boolean> => {
    if (!claims.client_id) return false; // staff tokens from the company's identity provider
    const client = await dataSource.getRepository(ApiClientEntity).findOne({
      where: { clientId: claims.client_id },
      select: { clientId: true, active: true, tokenVersion: true },
    });
    return isTokenRevoked(client, claims.ver);
  };
