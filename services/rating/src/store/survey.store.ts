import type { EntityManager } from 'typeorm';
import type { Survey, SurveyStatus } from '../domain/survey';

interface Row {
  id: string;
  ticket_id: string;
  partner_id: string;
  status: SurveyStatus;
  resolved_at: Date;
  created_at: Date;
  expires_at: Date;
}

const fromRow = (r: Row): Survey => ({
  id: r.id,
  ticketId: r.ticket_id,
  partnerId: r.partner_id,
  status: r.status,
  resolvedAt: r.resolved_at,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

const COLUMNS = 'id, ticket_id, partner_id, status, resolved_at, created_at, expires_at';

export const surveyStore = {
  /** The caller holds the ticket's row lock, so the next number is its own. */
  async insert(tx: EntityManager, survey: Survey, tokenSha256: Buffer): Promise<void> {
    await tx.query(
      `INSERT INTO rating.surveys (id, ticket_id, partner_id, number, token_sha256, status, resolved_at, created_at, expires_at)
       SELECT $1, $2, $3, COALESCE(max(number), 0) + 1, $4, $5, $6, $7, $8 FROM rating.surveys WHERE ticket_id = $2`,
      [survey.id, survey.ticketId, survey.partnerId, tokenSha256, survey.status, survey.resolvedAt, survey.createdAt, survey.expiresAt],
    );
  },

  /** A new resolution replaces the ticket's unrated surveys, withdrawn ones too (docs/adr/0040-ratings.md). */
  async supersedeOpen(tx: EntityManager, ticketId: string, at: Date): Promise<void> {
    await tx.query(`UPDATE rating.surveys SET status = 'superseded', superseded_at = $2 WHERE ticket_id = $1 AND status IN ('open', 'withdrawn')`, [ticketId, at]);
  },

  /** P11: a reopening withdraws the ticket's unrated survey: the ticket is not resolved any more (docs/adr/0040, addendum). */
  async withdrawOpen(tx: EntityManager, ticketId: string, at: Date): Promise<void> {
    await tx.query(`UPDATE rating.surveys SET status = 'withdrawn', superseded_at = $2 WHERE ticket_id = $1 AND status = 'open'`, [ticketId, at]);
  },

  /** The survey a token opens, row-locked when `lock` (a rating being recorded). */
  async byTokenHash(tx: EntityManager, tokenSha256: Buffer, lock: boolean): Promise<Survey | undefined> {
    const rows: Row[] = await tx.query(`SELECT ${COLUMNS} FROM rating.surveys WHERE token_sha256 = $1${lock ? ' FOR UPDATE' : ''}`, [tokenSha256]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  },

  /** The ticket's latest survey (the one its last resolution sent), row-locked when `lock`. */
  async latestForTicket(tx: EntityManager, ticketId: string, lock: boolean): Promise<Survey | undefined> {
    const rows: Row[] = await tx.query(`SELECT ${COLUMNS} FROM rating.surveys WHERE ticket_id = $1 ORDER BY number DESC LIMIT 1${lock ? ' FOR UPDATE' : ''}`, [ticketId]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  },

  /** A rated survey whose rating is withdrawn: the reopening withdraws the survey as it would have unrated. */
  async withdrawRated(tx: EntityManager, surveyId: string, at: Date): Promise<void> {
    await tx.query(`UPDATE rating.surveys SET status = 'withdrawn', superseded_at = $2 WHERE id = $1 AND status = 'rated'`, [surveyId, at]);
  },

  async markRated(tx: EntityManager, surveyId: string): Promise<void> {
    await tx.query(`UPDATE rating.surveys SET status = 'rated' WHERE id = $1`, [surveyId]);
  },
};
