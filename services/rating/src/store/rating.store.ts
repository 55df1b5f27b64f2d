import type { EntityManager } from 'typeorm';

/** How a rating came: the public link (`POST /v1/ratings/{token}`, the rate page) or the API with a partner or requester token. */
export type RatingChannel = 'link' | 'api';

export interface StoredRating {
  surveyId: string;
  ticketId: string;
  partnerId: string;
  score: number;
  solved: boolean;
  comment?: string;
  via: RatingChannel;
  /** `link`, `partner:<id>` or `requester:<id>`. */
  ratedBy: string;
  submittedAt: Date;
  /** P11: taken after the ticket had been reopened, so withdrawn when rating learnt of it (docs/adr/0040, 2026-12-05). */
  withdrawn?: RatingWithdrawal;
}

export interface RatingWithdrawal {
  at: Date;
  /** The reopening the rating came after. */
  reopenedAt: Date;
}

export interface RatingEscalation {
  escalationId: string;
  kind: string;
  targetRole: string;
  raisedAt: Date;
}

interface Row {
  survey_id: string;
  ticket_id: string;
  partner_id: string;
  score: number;
  solved: boolean;
  comment: string | null;
  via: RatingChannel;
  rated_by: string;
  submitted_at: Date;
  withdrawn_at: Date | null;
  withdrawn_after_reopening_at: Date | null;
}

const fromRow = (r: Row): StoredRating => ({
  surveyId: r.survey_id,
  ticketId: r.ticket_id,
  partnerId: r.partner_id,
  score: r.score,
  solved: r.solved,
  ...(r.comment !== null ? { comment: r.comment } : {}),
  via: r.via,
  ratedBy: r.rated_by,
  submittedAt: r.submitted_at,
  ...(r.withdrawn_at && r.withdrawn_after_reopening_at ? { withdrawn: { at: r.withdrawn_at, reopenedAt: r.withdrawn_after_reopening_at } } : {}),
});

export const ratingStore = {
  /** False when the survey has a rating already (one per survey; the caller holds the survey's lock). */
  async insert(tx: EntityManager, r: StoredRating): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO rating.ratings (survey_id, ticket_id, partner_id, score, solved, comment, via, rated_by, submitted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (survey_id) DO NOTHING RETURNING survey_id`,
      [r.surveyId, r.ticketId, r.partnerId, r.score, r.solved, r.comment ?? null, r.via, r.ratedBy, r.submittedAt],
    );
    return rows.length === 1;
  },

  /** False when it was withdrawn already (a redelivered reopening). */
  async withdraw(tx: EntityManager, surveyId: string, withdrawal: RatingWithdrawal): Promise<boolean> {
    // TypeORM's PostgreSQL driver hands an UPDATE back as [rows, rowCount].
    const [, affected] = (await tx.query(`UPDATE rating.ratings SET withdrawn_at = $2, withdrawn_after_reopening_at = $3 WHERE survey_id = $1 AND withdrawn_at IS NULL`, [
      surveyId,
      withdrawal.at,
      withdrawal.reopenedAt,
    ])) as [unknown[], number];
    return affected === 1;
  },

  async forSurvey(tx: EntityManager, surveyId: string): Promise<StoredRating | undefined> {
    const rows: Row[] = await tx.query(`SELECT * FROM rating.ratings WHERE survey_id = $1`, [surveyId]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  },

  /** The ticket's ratings, newest first (one per resolution that was rated). */
  async forTicket(tx: EntityManager, ticketId: string): Promise<StoredRating[]> {
    const rows: Row[] = await tx.query(`SELECT r.* FROM rating.ratings r JOIN rating.surveys s ON s.id = r.survey_id WHERE r.ticket_id = $1 ORDER BY s.number DESC`, [ticketId]);
    return rows.map(fromRow);
  },

  async recordEscalation(tx: EntityManager, e: RatingEscalation & { surveyId: string; ticketId: string }): Promise<void> {
    await tx.query(
      `INSERT INTO rating.rating_escalations (escalation_id, survey_id, ticket_id, kind, target_role, raised_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (escalation_id) DO NOTHING`,
      [e.escalationId, e.surveyId, e.ticketId, e.kind, e.targetRole, e.raisedAt],
    );
  },

  async escalationsOf(tx: EntityManager, surveyIds: readonly string[]): Promise<Map<string, RatingEscalation[]>> {
    const rows: { survey_id: string; escalation_id: string; kind: string; target_role: string; raised_at: Date }[] = await tx.query(
      `SELECT survey_id, escalation_id, kind, target_role, raised_at FROM rating.rating_escalations WHERE survey_id = ANY($1::uuid[]) ORDER BY raised_at, escalation_id`,
      [surveyIds],
    );
    const bySurvey = new Map<string, RatingEscalation[]>();
    for (const r of rows) {
      bySurvey.set(r.survey_id, [...(bySurvey.get(r.survey_id) ?? []), { escalationId: r.escalation_id, kind: r.kind, targetRole: r.target_role, raisedAt: r.raised_at }]);
    }
    return bySurvey;
  },
};
