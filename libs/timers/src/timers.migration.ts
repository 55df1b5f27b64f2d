import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';

type MigrationClass = new () => MigrationInterface;

/** The channel a schema's timer workers listen on; PostgreSQL delivers a NOTIFY only when its transaction commits. */
export const timersChannel = (schema: string): string => `tss_timers_${assertSchemaName(schema)}`;

/**
 * The durable timers of one service (issue #10, docs/adr/0024): one row per timer, keyed by the
 * caller (`sla:<clockId>:breach`) so re-targeting is an upsert.
 *
 * `due_at` is the deadline (lateness is measured from it); `next_attempt_at` is when the row may
 * next be claimed: `due_at` while unclaimed, the lease's end while claimed, `now + backoff` after a
 * failed attempt. The partial index on it is the only path the worker reads: the claim and the
 * next wake-up are both its first entries, so idle cost does not grow with the open timers.
 *
 * The trigger wakes sleeping workers when an unclaimed timer becomes the earliest pending one
 * (scheduled, re-targeted or released earlier than what they sleep towards).
 */
export const timersMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class Timers1764979200000 implements MigrationInterface {
    name = 'Timers1764979200000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${s}".timers (
          id              text        PRIMARY KEY,
          kind            text        NOT NULL,
          due_at          timestamptz NOT NULL,
          payload         jsonb       NOT NULL,
          status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fired')),
          next_attempt_at timestamptz NOT NULL,
          claimed_by      text,
          claimed_until   timestamptz,
          claim_token     uuid,
          attempts        integer     NOT NULL DEFAULT 0,
          last_error      text,
          scheduled_at    timestamptz NOT NULL,
          fired_at        timestamptz
        )`);
      await queryRunner.query(`CREATE INDEX timers_pending_next_attempt ON "${s}".timers (next_attempt_at) WHERE status = 'pending'`);
      await queryRunner.query(`
        CREATE FUNCTION "${s}".timers_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.next_attempt_at <= (SELECT min(next_attempt_at) FROM "${s}".timers WHERE status = 'pending') THEN
            PERFORM pg_notify('${timersChannel(s)}', '');
          END IF;
          RETURN NULL;
        END $$`);
      await queryRunner.query(`
        CREATE TRIGGER timers_notify AFTER INSERT OR UPDATE OF next_attempt_at ON "${s}".timers
        FOR EACH ROW WHEN (NEW.status = 'pending' AND NEW.claimed_by IS NULL)
        EXECUTE FUNCTION "${s}".timers_notify()`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TRIGGER timers_notify ON "${s}".timers`);
      await queryRunner.query(`DROP FUNCTION "${s}".timers_notify()`);
      await queryRunner.query(`DROP TABLE "${s}".timers`);
    }
  };
};
