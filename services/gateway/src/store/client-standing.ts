import type { DataSource, EntityManager } from 'typeorm';
import { ApiClientEntity, PartnerEntity, type ApiClientRow } from './gateway.entities';

/** A client and whether its partner is active (`null` for a staff client, which has none). */
export interface ClientStanding {
  client: ApiClientRow;
  partnerActive: boolean | null;
}

/**
 * The client and its partner's `active` in one statement, so one snapshot: a token is never issued
 * or accepted on a client read before its partner's deactivation and a partner read after it.
 */
export const findClientStanding = async (db: DataSource | EntityManager, clientId: string): Promise<ClientStanding | undefined> => {
  const { entities, raw } = await db
    .getRepository(ApiClientEntity)
    .createQueryBuilder('client')
    .leftJoin(PartnerEntity.options.name, 'partner', 'partner.id = client.partnerId')
    .addSelect('partner.active', 'partner_active')
    .where('client.clientId = :clientId', { clientId })
    .getRawAndEntities<{ partner_active: boolean | null }>();
  const client = entities[0];
  return client && { client, partnerActive: client.partnerId === null ? null : (raw[0]?.partner_active ?? false) };
};
