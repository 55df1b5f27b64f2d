import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue #9, the agents' queue and ticket search (docs/adr/0027-queue-and-search.md).
 *
 * - `response_clock_id`: which sla-timer clock `response_due_at` was projected from, so an
 *   `sla.met`/`sla.clock_cancelled` of an older clock never clears a newer clock's due time.
 * - `queue_due_at`: the due time the queue orders by (P4): the clock's, or until one is known
 *   the time received plus the level's maximum (P5), kept by a trigger and indexed in queue order.
 * - `search_document`: kept by triggers from the reference, subject and description (the
 *   `request` jsonb) and every public message body. Internal notes stay out: partners and
 *   requesters search too, and a hit on a word of a note would reveal it. The `russian`
 *   configuration stems Cyrillic words with the Russian stemmer and ASCII words with the English
 *   one (PostgreSQL's snowball setup), so one configuration serves both ticket languages (en/ru)
 *   and mixed text, and documents and queries are always parsed alike.
 * - Indexes for the list's keyset order (received_at DESC, id DESC) across partners, per requester,
 *   and per assignee.
 */
/**
 * P5's maximum response times as this migration writes them into SQL: a migration never changes
 * once applied, so it keeps its own copy; test/int/queue.int.spec.ts holds it to MAX_RESPONSE_MS,
 * and a change there needs a migration that replaces `level_target_due_at`.
 */
export const MAX_RESPONSE_MS_AT_MIGRATION = {
  emergency: 21_600_000,
  standard: 43_200_000,
  consulting: 86_400_000,
  development: 604_800_000,
} as const;

// Russian capitals and ё, and what search_fold turns them into (same length, letter for letter).
const FOLD_FROM = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯё';
const FOLD_TO = 'абвгдеежзийклмнопрстуфхцчшщъыьэюяе';

export class QueueSearch1765000300000 implements MigrationInterface {
  name = 'QueueSearch1765000300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ticket_intake.tickets ADD COLUMN response_clock_id uuid, ADD COLUMN queue_due_at timestamptz`);
    // P4/P5: the due time the queue orders by, kept on the row so the queue's order is an index
    // (a claim reads one index entry, not a sort of every open ticket).
    await queryRunner.query(`
      CREATE FUNCTION ticket_intake.level_target_due_at(p_level text, p_received_at timestamptz) RETURNS timestamptz
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT p_received_at + (CASE p_level ${Object.entries(MAX_RESPONSE_MS_AT_MIGRATION)
          .map(([level, ms]) => `WHEN '${level}' THEN ${ms}`)
          .join(' ')} END) * interval '1 millisecond'
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION ticket_intake.tickets_queue_due_at_refresh() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        NEW.queue_due_at := COALESCE(NEW.response_due_at, ticket_intake.level_target_due_at(NEW.level, NEW.received_at));
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER tickets_queue_due_at
      BEFORE INSERT OR UPDATE OF response_due_at, level, received_at ON ticket_intake.tickets
      FOR EACH ROW EXECUTE FUNCTION ticket_intake.tickets_queue_due_at_refresh()`);
    await queryRunner.query(`UPDATE ticket_intake.tickets SET queue_due_at = COALESCE(response_due_at, ticket_intake.level_target_due_at(level, received_at))`);
    // The queue's order (queue.store.ts): unassigned work for claims and the default view, and each agent's own.
    await queryRunner.query(`
      CREATE INDEX tickets_queue_unassigned ON ticket_intake.tickets ((level <> 'emergency'), queue_due_at, received_at, id)
      WHERE status IN ('new', 'open') AND response_owed AND assignee_id IS NULL`);
    await queryRunner.query(`
      CREATE INDEX tickets_queue_assigned ON ticket_intake.tickets (assignee_id, (level <> 'emergency'), queue_due_at, received_at, id)
      WHERE status IN ('new', 'open') AND response_owed AND assignee_id IS NOT NULL`);
    await queryRunner.query(`
      CREATE INDEX tickets_queue_all ON ticket_intake.tickets ((level <> 'emergency'), queue_due_at, received_at, id)
      WHERE status IN ('new', 'open') AND response_owed`);
    // Superseded by the three above: it ordered by response_due_at, which is null until a clock is known.
    await queryRunner.query(`DROP INDEX ticket_intake.tickets_queue`);
    // Text search folds case by the database's LC_CTYPE: under "C" (the embedded server's, and
    // common in containers) Cyrillic capitals stay capitals, so "Ошибки" would never match
    // "ошибка". Folding Russian letters ourselves (and ё to е, as Russian readers do) makes
    // documents and queries alike on any locale; ASCII is folded by every locale.
    await queryRunner.query(`
      CREATE FUNCTION ticket_intake.search_fold(p_text text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT translate(p_text, '${FOLD_FROM}', '${FOLD_TO}')
      $$`);
    // Pure and inlinable (no subquery): a ticket insert, the hot path of POST /v1/tickets, pays for
    // the text search and nothing else; the thread is read only where messages change.
    await queryRunner.query(`
      CREATE FUNCTION ticket_intake.ticket_search_document(p_reference text, p_request jsonb, p_thread text) RETURNS tsvector
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT setweight(to_tsvector('pg_catalog.russian', ticket_intake.search_fold(coalesce(p_reference, '') || ' ' || coalesce(p_request ->> 'subject', ''))), 'A')
            || setweight(to_tsvector('pg_catalog.russian', ticket_intake.search_fold(coalesce(p_request ->> 'description', ''))), 'B')
            || setweight(to_tsvector('pg_catalog.russian', ticket_intake.search_fold(coalesce(p_thread, ''))), 'C')
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION ticket_intake.ticket_public_thread(p_ticket_id uuid) RETURNS text
      LANGUAGE sql STABLE AS $$
        SELECT string_agg(m.body, ' ' ORDER BY m.created_at, m.id) FROM ticket_intake.messages m
         WHERE m.ticket_id = p_ticket_id AND m.visibility = 'public'
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION ticket_intake.tickets_search_document_refresh() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          -- A new ticket has no messages yet (they reference it).
          NEW.search_document := ticket_intake.ticket_search_document(NEW.reference, NEW.request, NULL);
        ELSE
          NEW.search_document := ticket_intake.ticket_search_document(NEW.reference, NEW.request, ticket_intake.ticket_public_thread(NEW.id));
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER tickets_search_document
      BEFORE INSERT OR UPDATE OF request, reference ON ticket_intake.tickets
      FOR EACH ROW EXECUTE FUNCTION ticket_intake.tickets_search_document_refresh()`);
    // A message added, edited (credentials masked, P9) or removed: the whole thread is read again,
    // so masked text leaves the index as it leaves the thread.
    await queryRunner.query(`
      CREATE FUNCTION ticket_intake.messages_search_document_refresh() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        v_ticket_id uuid;
      BEGIN
        IF TG_OP = 'DELETE' THEN
          v_ticket_id := OLD.ticket_id;
        ELSE
          v_ticket_id := NEW.ticket_id;
        END IF;
        IF TG_OP = 'INSERT' AND NEW.visibility <> 'public' THEN
          RETURN NULL;
        END IF;
        UPDATE ticket_intake.tickets t
           SET search_document = ticket_intake.ticket_search_document(t.reference, t.request, ticket_intake.ticket_public_thread(t.id))
         WHERE t.id = v_ticket_id;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER messages_search_document
      AFTER INSERT OR DELETE OR UPDATE OF body, visibility ON ticket_intake.messages
      FOR EACH ROW EXECUTE FUNCTION ticket_intake.messages_search_document_refresh()`);
    await queryRunner.query(
      `UPDATE ticket_intake.tickets SET search_document = ticket_intake.ticket_search_document(reference, request, ticket_intake.ticket_public_thread(id))`,
    );
    await queryRunner.query(`CREATE INDEX tickets_received ON ticket_intake.tickets (received_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX tickets_partner_requester ON ticket_intake.tickets (partner_id, requester_id, received_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX tickets_assignee ON ticket_intake.tickets (assignee_id, received_at DESC, id DESC) WHERE assignee_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ticket_intake.tickets_assignee`);
    await queryRunner.query(`DROP INDEX ticket_intake.tickets_partner_requester`);
    await queryRunner.query(`DROP INDEX ticket_intake.tickets_received`);
    await queryRunner.query(`DROP TRIGGER messages_search_document ON ticket_intake.messages`);
    await queryRunner.query(`DROP FUNCTION ticket_intake.messages_search_document_refresh()`);
    await queryRunner.query(`DROP TRIGGER tickets_search_document ON ticket_intake.tickets`);
    await queryRunner.query(`DROP FUNCTION ticket_intake.tickets_search_document_refresh()`);
    await queryRunner.query(`DROP FUNCTION ticket_intake.ticket_public_thread(uuid)`);
    await queryRunner.query(`DROP FUNCTION ticket_intake.ticket_search_document(text, jsonb, text)`);
    await queryRunner.query(`DROP FUNCTION ticket_intake.search_fold(text)`);
    await queryRunner.query(`UPDATE ticket_intake.tickets SET search_document = NULL`);
    await queryRunner.query(`
      CREATE INDEX tickets_queue ON ticket_intake.tickets ((level = 'emergency') DESC, response_due_at, received_at, id)
      WHERE status IN ('new', 'open') AND response_owed`);
    await queryRunner.query(`DROP INDEX ticket_intake.tickets_queue_all`);
    await queryRunner.query(`DROP INDEX ticket_intake.tickets_queue_assigned`);
    await queryRunner.query(`DROP INDEX ticket_intake.tickets_queue_unassigned`);
    await queryRunner.query(`DROP TRIGGER tickets_queue_due_at ON ticket_intake.tickets`);
    await queryRunner.query(`DROP FUNCTION ticket_intake.tickets_queue_due_at_refresh()`);
    await queryRunner.query(`DROP FUNCTION ticket_intake.level_target_due_at(text, timestamptz)`);
    await queryRunner.query(`ALTER TABLE ticket_intake.tickets DROP COLUMN queue_due_at, DROP COLUMN response_clock_id`);
  }
}
