import type { MigrationInterface, QueryRunner } from 'typeorm';
import { keptComment } from '../../domain/survey';

const BATCH = 500;

/**
 * P9 (docs/adr/0040, addendum of 2026-12-04, third session): ratings kept before rating masked
 * comments hold their access particulars in clear, in `rating.ratings` (shown by
 * `GET /v1/tickets/{id}/rating`) and in the `rating.submitted` outbox rows (kept until event
 * retention prunes them). Masks both, in batches, with the rule new ratings go through. An
 * unpublished "not solved" row keeps the comment as written in its in-transit data, which the
 * relay removes as it publishes: intake still vaults it. Nothing to undo: the clear text is gone.
 */
export class MaskKeptRatingComments1765500470000 implements MigrationInterface {
  name = 'MaskKeptRatingComments1765500470000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = (await queryRunner.query(
        `SELECT survey_id::text AS id, score, solved, comment FROM rating.ratings WHERE survey_id > $1::uuid AND comment IS NOT NULL ORDER BY survey_id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; score: number; solved: boolean; comment: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const { comment } = keptComment(row);
        if (comment !== row.comment) await queryRunner.query(`UPDATE rating.ratings SET comment = $2 WHERE survey_id = $1::uuid`, [row.id, comment]);
      }
      after = rows[rows.length - 1].id;
    }
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT position::text AS position, (event->'data'->>'score')::int AS score, (event->'data'->>'solved')::boolean AS solved, event->'data'->>'comment' AS comment,
                event->'data' ? 'inTransit' AS "inTransit", published_at IS NOT NULL AS published
           FROM rating.outbox WHERE event_type = 'rating.submitted' AND position > $1 AND event->'data' ? 'comment' ORDER BY position LIMIT ${BATCH}`,
        [after],
      )) as { position: string; score: number; solved: boolean; comment: string; inTransit: boolean; published: boolean }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const kept = keptComment(row);
        if (kept.comment === row.comment) continue;
        // Published: every consumer has it (or will, from the log or the topic); unpublished: the relay sends it as written, in transit.
        const inTransit = !row.published && kept.inTransit && !row.inTransit ? kept.inTransit : undefined;
        await queryRunner.query(
          `UPDATE rating.outbox
              SET event = CASE WHEN $3::jsonb IS NULL THEN jsonb_set(event, '{data,comment}', to_jsonb($2::text)) #- '{data,inTransit}'
                               ELSE jsonb_set(jsonb_set(event, '{data,comment}', to_jsonb($2::text)), '{data,inTransit}', $3::jsonb) END
            WHERE position = $1::bigint`,
          [row.position, kept.comment, inTransit ? JSON.stringify(inTransit) : null],
        );
      }
      after = Number(rows[rows.length - 1].position);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
