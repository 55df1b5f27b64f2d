import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';

type MigrationClass = new () => MigrationInterface;

/**
 * What retention (docs/adr/0032) deletes by, so each batch reads only the rows it deletes:
 * published outbox rows by publication time, inbox rows by handling time, settled dead letters by
 * settlement time. The relay's own look-up (`outbox_unpublished`, partial on unpublished rows)
 * and the inbox's (its primary key) already stay flat; pruning keeps their tables small.
 */
export const messagingRetentionIndexesMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class MessagingRetentionIndexes1765065600000 implements MigrationInterface {
    name = 'MessagingRetentionIndexes1765065600000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`CREATE INDEX outbox_published_at ON "${s}".outbox (published_at) WHERE published_at IS NOT NULL`);
      await queryRunner.query(`CREATE INDEX inbox_handled_at ON "${s}".inbox (handled_at)`);
      await queryRunner.query(`CREATE INDEX dead_letters_settled_at ON "${s}".dead_letters (resolved_at) WHERE status <> 'parked'`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP INDEX "${s}".dead_letters_settled_at`);
      await queryRunner.query(`DROP INDEX "${s}".inbox_handled_at`);
      await queryRunner.query(`DROP INDEX "${s}".outbox_published_at`);
    }
  };
};
