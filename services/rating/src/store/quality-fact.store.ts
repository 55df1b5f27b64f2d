import type { EntityManager } from 'typeorm';

/**
 * One thing the quality report counts (issue #13): a survey sent (a resolution), a rating, an
 * agent's response, an SLA clock met or breached. Each carries who and what it concerned when it
 * happened, so a report groups by the agent, level and product of that moment.
 */
export interface QualityFact {
  /** Idempotent: the survey id, or the event id the fact came from. */
  id: string;
  kind: 'survey' | 'rating' | 'response' | 'sla_met' | 'sla_breached';
  ticketId: string;
  partnerId: string;
  agentId: string | null;
  level: string;
  product: string | null;
  at: Date;
  score?: number;
  solved?: boolean;
}

export const qualityFactStore = {
  async add(tx: EntityManager, f: QualityFact): Promise<void> {
    await tx.query(
      `INSERT INTO rating.quality_facts (id, kind, ticket_id, partner_id, agent_id, level, product, at, score, solved)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
      [f.id, f.kind, f.ticketId, f.partnerId, f.agentId, f.level, f.product, f.at, f.score ?? null, f.solved ?? null],
    );
  },

  /** A fact that no longer counts (a withdrawn rating's). */
  async remove(tx: EntityManager, id: string): Promise<void> {
    await tx.query(`DELETE FROM rating.quality_facts WHERE id = $1`, [id]);
  },

  /** P11: the ticket's latest resolution was reopened; the report's reopen rate counts it. */
  async markLatestResolutionReopened(tx: EntityManager, ticketId: string): Promise<void> {
    await tx.query(
      `UPDATE rating.quality_facts SET reopened = true
        WHERE id = (SELECT id FROM rating.quality_facts WHERE ticket_id = $1 AND kind = 'survey' ORDER BY at DESC, id DESC LIMIT 1)`,
      [ticketId],
    );
  },
};
