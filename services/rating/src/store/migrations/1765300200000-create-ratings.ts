import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #13: rating's ticket projection, surveys, ratings, the escalations they led to, and the quality report's facts. */
export class CreateRatings1765300200000 implements MigrationInterface {
  name = 'CreateRatings1765300200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // DESIGN "Who owns what": a read-only projection of intake's tickets, fed by ticket.*.
    await queryRunner.query(`
      CREATE TABLE rating.tickets (
        ticket_id         uuid PRIMARY KEY,
        partner_id        uuid        NOT NULL,
        reference         text        NOT NULL,
        subject           text        NOT NULL,
        requester_id      text,
        requester_email   text,
        language          text        NOT NULL,
        level             text        NOT NULL,
        product           text,
        assignee_id       text,
        last_responder_id text,
        reopen_count      integer     NOT NULL DEFAULT 0,
        sla_met           integer     NOT NULL DEFAULT 0,
        sla_breached      integer     NOT NULL DEFAULT 0,
        received_at       timestamptz NOT NULL,
        resolved_at       timestamptz,
        closed_at         timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX rating_tickets_reference ON rating.tickets (reference)`);
    // One survey per resolution; only the SHA-256 of its token is kept (docs/adr/0040-ratings.md).
    await queryRunner.query(`
      CREATE TABLE rating.surveys (
        id            uuid PRIMARY KEY,
        ticket_id     uuid        NOT NULL REFERENCES rating.tickets (ticket_id),
        partner_id    uuid        NOT NULL,
        -- The ticket's n-th resolution: orders surveys made within one instant.
        number        integer     NOT NULL,
        token_sha256  bytea       NOT NULL UNIQUE,
        status        text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'rated', 'superseded')),
        resolved_at   timestamptz NOT NULL,
        created_at    timestamptz NOT NULL,
        expires_at    timestamptz NOT NULL,
        superseded_at timestamptz,
        UNIQUE (ticket_id, number)
      )`);
    // One rating per survey: the primary key makes a second one a conflict.
    await queryRunner.query(`
      CREATE TABLE rating.ratings (
        survey_id    uuid PRIMARY KEY REFERENCES rating.surveys (id),
        ticket_id    uuid        NOT NULL,
        partner_id   uuid        NOT NULL,
        score        integer     NOT NULL CHECK (score BETWEEN 1 AND 5),
        solved       boolean     NOT NULL,
        comment      text,
        via          text        NOT NULL CHECK (via IN ('link', 'api')),
        rated_by     text        NOT NULL,
        submitted_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX ratings_ticket ON rating.ratings (ticket_id, submitted_at DESC)`);
    // escalation.raised naming a survey: the rating shows that it led to an escalation.
    await queryRunner.query(`
      CREATE TABLE rating.rating_escalations (
        escalation_id uuid PRIMARY KEY,
        survey_id     uuid        NOT NULL,
        ticket_id     uuid        NOT NULL,
        kind          text        NOT NULL,
        target_role   text        NOT NULL,
        raised_at     timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX rating_escalations_survey ON rating.rating_escalations (survey_id)`);
    // What the quality report counts, one row per fact, with who and what it concerned at the time.
    await queryRunner.query(`
      CREATE TABLE rating.quality_facts (
        id          text PRIMARY KEY,
        kind        text        NOT NULL CHECK (kind IN ('survey', 'rating', 'response', 'sla_met', 'sla_breached')),
        ticket_id   uuid        NOT NULL,
        partner_id  uuid        NOT NULL,
        agent_id    text,
        level       text        NOT NULL,
        product     text,
        at          timestamptz NOT NULL,
        score       integer,
        solved      boolean,
        reopened    boolean     NOT NULL DEFAULT false
      )`);
    await queryRunner.query(`CREATE INDEX quality_facts_at ON rating.quality_facts (at, kind)`);
    await queryRunner.query(`CREATE INDEX quality_facts_ticket ON rating.quality_facts (ticket_id, kind, at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE rating.quality_facts`);
    await queryRunner.query(`DROP TABLE rating.rating_escalations`);
    await queryRunner.query(`DROP TABLE rating.ratings`);
    await queryRunner.query(`DROP TABLE rating.surveys`);
    await queryRunner.query(`DROP TABLE rating.tickets`);
  }
}
