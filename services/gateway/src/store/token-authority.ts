import type { DataSource } from 'typeorm';
import type { Clock, PublicKeySource } from '@tss/service-kit';
import { clientRevocationCheck } from './client-revocation';
import { PublishedKeys } from './published-keys';
import { SigningKeyStore } from './signing-key.store';

/** What the process the gateway runs in verifies tokens with: its signing keys, and its revocation check. */
export const gatewayTokenAuthority = (dataSource: DataSource, clock: Clock): PublicKeySource => {
  const keys = new PublishedKeys(new SigningKeyStore(dataSource), clock);
  const isRevoked = clientRevocationCheck(dataSource, clock);
  return { getKey: (kid) => keys.getKey(kid), isRevoked };
};
