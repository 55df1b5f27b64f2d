import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #9: the status machine's columns, the audit history and the thread. */
export class TicketLifecycle1765000000000 implements MigrationInterface {
  name = 'TicketLifecycle1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE ticket_intake.tickets
        ADD COLUMN language              text        NOT NULL DEFAULT 'en',
        ADD COLUMN category              text,
        ADD COLUMN assignee_id           text,
        ADD COLUMN wait_reason           text,
        ADD COLUMN support_delay         text,
        ADD COLUMN closure               jsonb,
        ADD COLUMN linked_ticket_id      uuid,
        ADD COLUMN response_owed         boolean     NOT NULL DEFAULT true,
        ADD COLUMN response_due_at       timestamptz,
        ADD COLUMN resolved_at           timestamptz,
        ADD COLUMN reopen_window_ends_at timestamptz,
        ADD COLUMN closed_at             timestamptz,
        ADD COLUMN search_document       tsvector`);
    await queryRunner.query(`CREATE INDEX tickets_search ON ticket_intake.tickets USING gin (search_document)`);
    // P4: the agents' queue reads open work that owes a response, emergencies first, then by due time.
    await queryRunner.query(`
      CREATE INDEX tickets_queue ON ticket_intake.tickets ((level = 'emergency') DESC, response_due_at, received_at, id)
      WHERE status IN ('new', 'open') AND response_owed`);
    await queryRunner.query(`
      CREATE TABLE ticket_intake.ticket_history (
        id         bigserial   PRIMARY KEY,
        ticket_id  uuid        NOT NULL REFERENCES ticket_intake.tickets (id),
        partner_id uuid        NOT NULL,
        at         timestamptz NOT NULL,
        actor_kind text        NOT NULL,
        actor_id   text        NOT NULL,
        action     text        NOT NULL,
        detail     jsonb       NOT NULL DEFAULT '{}',
        sequence   integer
      )`);
    await queryRunner.query(`CREATE INDEX ticket_history_ticket ON ticket_intake.ticket_history (ticket_id, id)`);
    await queryRunner.query(`
      CREATE TABLE ticket_intake.messages (
        id               uuid        PRIMARY KEY,
        position         bigserial   NOT NULL,
        ticket_id        uuid        NOT NULL REFERENCES ticket_intake.tickets (id),
        partner_id       uuid        NOT NULL,
        author_kind      text        NOT NULL CHECK (author_kind IN ('requester', 'agent', 'system')),
        author_id        text,
        author_name      text,
        visibility       text        NOT NULL CHECK (visibility IN ('public', 'internal')),
        channel          text        NOT NULL,
        body             text        NOT NULL,
        attachment_ids   uuid[]      NOT NULL DEFAULT '{}',
        email_message_id text,
        idempotency_key  text,
        request_hash     text,
        created_at       timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX messages_thread ON ticket_intake.messages (ticket_id, position)`);
    await queryRunner.query(`CREATE UNIQUE INDEX messages_email_message_id ON ticket_intake.messages (email_message_id) WHERE email_message_id IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX messages_idempotency ON ticket_intake.messages (ticket_id, idempotency_key) WHERE idempotency_key IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_intake.messages`);
    await queryRunner.query(`DROP TABLE ticket_intake.ticket_history`);
    await queryRunner.query(`DROP INDEX ticket_intake.tickets_queue`);
    await queryRunner.query(`DROP INDEX ticket_intake.tickets_search`);
    await queryRunner.query(`
      ALTER TABLE ticket_intake.tickets
        DROP COLUMN language, DROP COLUMN category, DROP COLUMN assignee_id, DROP COLUMN wait_reason, DROP COLUMN support_delay,
        DROP COLUMN closure, DROP COLUMN linked_ticket_id, DROP COLUMN response_owed, DROP COLUMN response_due_at,
        DROP COLUMN resolved_at, DROP COLUMN reopen_window_ends_at, DROP COLUMN closed_at, DROP COLUMN search_document`);
  }
}
