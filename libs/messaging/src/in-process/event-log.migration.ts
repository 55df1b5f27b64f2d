import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The schema of the in-process transport's log: one per database, beside the services' schemas. */
export const EVENT_LOG_SCHEMA = 'tss_event_log';

/**
 * The in-process transport's durable log (docs/adr/0013): what Kafka's topic log and committed
 * offsets are to the Kafka transport, in PostgreSQL.
 */
export class EventLogTables1764900000000 implements MigrationInterface {
  name = 'EventLogTables1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "${EVENT_LOG_SCHEMA}".messages (
        log_offset   bigserial PRIMARY KEY,
        topic        text  NOT NULL,
        message_key  text,
        headers      jsonb NOT NULL,
        value        bytea
      )`);
    await queryRunner.query(`CREATE INDEX messages_by_topic ON "${EVENT_LOG_SCHEMA}".messages (topic, log_offset)`);
    await queryRunner.query(`
      CREATE TABLE "${EVENT_LOG_SCHEMA}".group_offsets (
        consumer_group text   PRIMARY KEY,
        log_offset     bigint NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${EVENT_LOG_SCHEMA}".group_offsets`);
    await queryRunner.query(`DROP TABLE "${EVENT_LOG_SCHEMA}".messages`);
  }
}
