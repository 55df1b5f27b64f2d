import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #11: webhook endpoints, the events they may be sent (for replay) and the delivery queue. */
export class Webhooks1765200100000 implements MigrationInterface {
  name = 'Webhooks1765200100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification.webhook_endpoints (
        id                          uuid PRIMARY KEY,
        owner_kind                  text        NOT NULL CHECK (owner_kind IN ('partner', 'staff')),
        partner_id                  uuid,
        created_by                  text        NOT NULL,
        url                         text        NOT NULL,
        description                 text        NOT NULL DEFAULT '',
        event_types                 text[]      NOT NULL,
        secret                      text        NOT NULL,
        previous_secret             text,
        previous_secret_expires_at  timestamptz,
        status                      text        NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
        disabled_at                 timestamptz,
        disabled_reason             text,
        failing_since               timestamptz,
        created_at                  timestamptz NOT NULL,
        updated_at                  timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX webhook_endpoints_partner ON notification.webhook_endpoints (partner_id)`);
    await queryRunner.query(`
      CREATE TABLE notification.webhook_events (
        id           text PRIMARY KEY,
        type         text        NOT NULL,
        partner_id   uuid,
        subject      text        NOT NULL,
        sequence     integer,
        occurred_at  timestamptz NOT NULL,
        body         text        NOT NULL,
        received_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX webhook_events_partner_time ON notification.webhook_events (partner_id, occurred_at)`);
    await queryRunner.query(`CREATE INDEX webhook_events_time ON notification.webhook_events (occurred_at)`);
    await queryRunner.query(`
      CREATE TABLE notification.webhook_deliveries (
        id                uuid PRIMARY KEY,
        endpoint_id       uuid        NOT NULL REFERENCES notification.webhook_endpoints (id) ON DELETE CASCADE,
        message_id        text        NOT NULL,
        event_type        text        NOT NULL,
        body              text        NOT NULL,
        reason            text        NOT NULL CHECK (reason IN ('event', 'replay', 'ping')),
        status            text        NOT NULL CHECK (status IN ('pending', 'ready', 'in_flight', 'succeeded', 'failed', 'cancelled')),
        attempts          integer     NOT NULL DEFAULT 0,
        next_attempt_at   timestamptz,
        ready_at          timestamptz,
        claim_token       uuid,
        last_attempt_at   timestamptz,
        last_status_code  integer,
        last_latency_ms   integer,
        last_error        text,
        created_at        timestamptz NOT NULL,
        completed_at      timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_endpoint ON notification.webhook_deliveries (endpoint_id, created_at DESC)`);
    // The senders' claim reads only what is ready; their concurrency count only what is in flight.
    await queryRunner.query(`CREATE INDEX webhook_deliveries_ready ON notification.webhook_deliveries (ready_at) WHERE status = 'ready'`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_in_flight ON notification.webhook_deliveries (endpoint_id) WHERE status = 'in_flight'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification.webhook_deliveries`);
    await queryRunner.query(`DROP TABLE notification.webhook_events`);
    await queryRunner.query(`DROP TABLE notification.webhook_endpoints`);
  }
}
