import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P2 (docs/adr/0035, addendum of 2026-12-05, fifth session): releases before it filed a mail with
 * no text with the description "(empty message)", words nobody wrote, and did not list the
 * description as missing. New ones are filed with an empty description, listed in
 * `missing_details`, and the requester's next words on the thread become it. This treats the kept
 * tickets so: the description is the first public message the requester wrote with text since
 * (theirs, or in their name through a site link), else empty and listed as missing, in the order
 * the rules name the details. Mail tickets only: the API never accepted a request without a
 * description. Setting `request` updates the search document (its trigger).
 */
export class EmptyMailDescriptions1765606200000 implements MigrationInterface {
  name = 'EmptyMailDescriptions1765606200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      WITH placeholder AS (
        SELECT t.id,
               (SELECT m.body FROM ticket_intake.messages m
                 WHERE m.ticket_id = t.id AND m.visibility = 'public' AND btrim(m.body) <> ''
                   AND (m.author_kind = 'requester' OR (m.author_kind = 'staff' AND m.on_behalf_of_requester_id IS NOT NULL))
                 ORDER BY m.position LIMIT 1) AS described_by
          FROM ticket_intake.tickets t
         WHERE t.channel = 'email' AND t.request ->> 'description' = '(empty message)'
      )
      UPDATE ticket_intake.tickets t
         SET request = jsonb_set(t.request, '{description}', to_jsonb(coalesce(p.described_by, ''))),
             missing_details = ARRAY(
               SELECT d FROM unnest(ARRAY['product', 'productVersion', 'description', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion']) WITH ORDINALITY AS asked(d, n)
                WHERE (d = 'description' AND p.described_by IS NULL) OR d = ANY (t.missing_details)
                ORDER BY n)
        FROM placeholder p
       WHERE t.id = p.id`);
  }

  async down(): Promise<void> {
    // Nothing to restore: the placeholder was never the requester's, and an older release reads an
    // empty description, and `description` among the missing details, as any other text and detail.
  }
}
