import type { EntityManager } from 'typeorm';

/** The partners intake knows (from the gateway's `partner.*`): whom staff may file for. */
export const partnerStore = {
  /** Events of one partner may arrive out of order across restarts: the newest change wins. */
  async keep(tx: EntityManager, partner: { partnerId: string; active: boolean; changedAt: Date }): Promise<void> {
    await tx.query(
      `INSERT INTO ticket_intake.partners (id, active, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET active = EXCLUDED.active, changed_at = EXCLUDED.changed_at
       WHERE ticket_intake.partners.changed_at <= EXCLUDED.changed_at`,
      [partner.partnerId, partner.active, partner.changedAt],
    );
  },

  async isActive(tx: EntityManager, partnerId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM ticket_intake.partners WHERE id = $1 AND active`, [partnerId]);
    return rows.length === 1;
  },
};
