import type { EntityManager } from 'typeorm';

export interface PartnerDirectory {
  /** Events of one partner may arrive out of order across restarts: the newest change wins. */
  keep(tx: EntityManager, partner: { partnerId: string; active: boolean; changedAt: Date }): Promise<void>;
  /** Whether the partner is active, as the gateway last said; undefined when no event named it here. */
  activeOf(tx: EntityManager, partnerId: string): Promise<boolean | undefined>;
  isActive(tx: EntityManager, partnerId: string): Promise<boolean>;
}

/**
 * A service's own copy of the gateway's partners, fed by `partner.created`/`partner.updated`
 * (DESIGN "Who owns what": services never read the gateway's tables): the table
 * `<schema>.partners (id, active, changed_at)` each such service's migrations create.
 */
export const partnerDirectory = (schema: string): PartnerDirectory => {
  const table = `"${schema}".partners`;
  const activeOf: PartnerDirectory['activeOf'] = async (tx, partnerId) => {
    const rows = (await tx.query(`SELECT active FROM ${table} WHERE id = $1`, [partnerId])) as { active: boolean }[];
    return rows[0]?.active;
  };
  return {
    async keep(tx, partner) {
      await tx.query(
        `INSERT INTO ${table} (id, active, changed_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET active = EXCLUDED.active, changed_at = EXCLUDED.changed_at
         WHERE ${table}.changed_at <= EXCLUDED.changed_at`,
        [partner.partnerId, partner.active, partner.changedAt],
      );
    },
    activeOf,
    isActive: async (tx, partnerId) => (await activeOf(tx, partnerId)) === true,
  };
};
