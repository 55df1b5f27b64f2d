import type { EntityManager } from 'typeorm';
import { NOTIFICATION_SCHEMA } from './acknowledgment.store';

const T = `"${NOTIFICATION_SCHEMA}".partners`;

/** The partners notification knows (from the gateway's `partner.*`): the ones admins may name. */
export const partnerDirectoryStore = {
  /** Events of one partner may arrive out of order across restarts: the newest change wins. */
  async keep(tx: EntityManager, partner: { partnerId: string; active: boolean; changedAt: Date }): Promise<void> {
    await tx.query(
      `INSERT INTO ${T} (id, active, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET active = EXCLUDED.active, changed_at = EXCLUDED.changed_at
       WHERE ${T}.changed_at <= EXCLUDED.changed_at`,
      [partner.partnerId, partner.active, partner.changedAt],
    );
  },

  /** Whether the partner is active, as the gateway last said; undefined when notification has no word of it. */
  async activeOf(tx: EntityManager, partnerId: string): Promise<boolean | undefined> {
    const rows = (await tx.query(`SELECT active FROM ${T} WHERE id = $1`, [partnerId])) as { active: boolean }[];
    return rows[0]?.active;
  },

  async isActive(tx: EntityManager, partnerId: string): Promise<boolean> {
    const rows = (await tx.query(`SELECT 1 FROM ${T} WHERE id = $1 AND active`, [partnerId])) as unknown[];
    return rows.length === 1;
  },
};
