import type { EntityManager } from 'typeorm';
import { SLA_SCHEMA } from './response-clock.store';

const T = `"${SLA_SCHEMA}".partners`;

/** What sla-timer knows of a partner (from the gateway's `partner.*`). */
export interface KnownPartner {
  active: boolean;
}

/** The partners sla-timer knows (from the gateway's `partner.*`): the ones an agreement may name. */
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

  /** The partner as the gateway last described it, or undefined when no event named it. */
  async find(tx: EntityManager, partnerId: string): Promise<KnownPartner | undefined> {
    const rows = (await tx.query(`SELECT active FROM ${T} WHERE id = $1`, [partnerId])) as KnownPartner[];
    return rows[0];
  },
};
