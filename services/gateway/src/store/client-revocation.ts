import type { DataSource, EntitySubscriberInterface, InsertEvent, TransactionCommitEvent, UpdateEvent } from 'typeorm';
import type { AccessTokenClaims, Clock } from '@tss/service-kit';
import { isClientInGoodStanding, isTokenRevoked } from '../domain/grants';
import { sitePartnerOf } from '../domain/site-client';
import { findClientStanding } from './client-standing';
import { ApiClientEntity, PartnerEntity } from './gateway.entities';

/**
 * How long a client's revocation state is trusted without asking the database again (issue #8):
 * a change made by another process (another gateway replica, SQL by hand) is refused within this.
 */
export const CLIENT_REVOCATION_TTL_MS = 1_000;
/** Beyond this many cached clients the cache starts over: it holds state, never grows without bound. */
const MAX_CACHED_CLIENTS = 10_000;

type ClientState = { active: boolean; tokenVersion: number } | null;

/**
 * The gateway's revocation check, on every request it authenticates: the client that holds (or,
 * for requester tokens, minted) the token must be active, and so must its partner, and the token
 * must carry the client's current version. A primary-key lookup, kept for `ttlMs` by the injected clock, so a request no
 * longer costs a round trip. A client changed through this data source (disable, rotate) is
 * forgotten at once, and again when that transaction commits, so disabling in this process still
 * takes effect at once; a change from elsewhere takes effect within `ttlMs`. The support site's
 * tokens name a partner's site client (`site:<partnerId>`, domain/site-client.ts): the partner's
 * row holds its state.
 */
export const clientRevocationCheck = (dataSource: DataSource, clock: Clock, ttlMs = CLIENT_REVOCATION_TTL_MS) => {
  const cache = new Map<string, { state: Promise<ClientState>; until: number }>();
  // A lookup that began before a change must not store what it read: the generation tells.
  let generation = 0;
  const touchesClients = (event: { metadata?: unknown }): boolean =>
    event.metadata !== undefined && (event.metadata === dataSource.getMetadata(ApiClientEntity) || event.metadata === dataSource.getMetadata(PartnerEntity));
  const forget = () => {
    cache.clear();
    generation += 1;
  };
  const subscriber: EntitySubscriberInterface = {
    afterInsert: (event: InsertEvent<unknown>) => {
      if (touchesClients(event)) forget();
    },
    afterUpdate: (event: UpdateEvent<unknown>) => {
      if (!touchesClients(event)) return;
      forget();
      event.queryRunner.data = { ...(event.queryRunner.data as object), clientsChanged: true };
    },
    afterTransactionCommit: (event: TransactionCommitEvent) => {
      const data = event.queryRunner.data as { clientsChanged?: boolean } | undefined;
      if (!data?.clientsChanged) return;
      data.clientsChanged = false;
      forget();
    },
  };
  dataSource.subscribers.push(subscriber);

  const lookup = async (clientId: string): Promise<ClientState> => {
    const sitePartner = sitePartnerOf(clientId);
    if (sitePartner) {
      const partner = await dataSource.getRepository(PartnerEntity).findOne({ where: { id: sitePartner }, select: { id: true, active: true, siteTokenVersion: true } });
      return partner && { active: partner.active, tokenVersion: partner.siteTokenVersion };
    }
    const standing = await findClientStanding(dataSource, clientId);
    return standing ? { active: isClientInGoodStanding(standing.client, standing.partnerActive), tokenVersion: standing.client.tokenVersion } : null;
  };

  return async (claims: AccessTokenClaims): Promise<boolean> => {
    if (!claims.client_id) return false; // staff tokens from the company's identity provider
    const now = clock.now().getTime();
    const cached = cache.get(claims.client_id);
    if (cached && cached.until > now) return isTokenRevoked(await cached.state, claims.ver);
    const startedIn = generation;
    const state = lookup(claims.client_id);
    if (cache.size >= MAX_CACHED_CLIENTS) cache.clear();
    const entry = { state, until: now + ttlMs };
    cache.set(claims.client_id, entry); // concurrent requests of this client share the lookup
    try {
      const client = await state;
      if (generation !== startedIn && cache.get(claims.client_id) === entry) cache.delete(claims.client_id);
      return isTokenRevoked(client, claims.ver);
    } catch (error) {
      if (cache.get(claims.client_id) === entry) cache.delete(claims.client_id);
      throw error;
    }
  };
};
