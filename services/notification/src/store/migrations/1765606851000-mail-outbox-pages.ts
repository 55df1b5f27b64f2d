import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from '@tss/persistence';

const S = 'notification';
/** Each new index and the one it replaces: the same leading columns, and `id` to end the order. */
const INDEXES = [
  { name: 'mail_messages_created_id', columns: '(created_at DESC, id DESC)', replaces: 'mail_messages_created', was: '(created_at DESC)' },
  { name: 'mail_messages_ticket_created_id', columns: '(ticket_id, created_at DESC, id DESC)', replaces: 'mail_messages_ticket', was: '(ticket_id, created_at)' },
] as const;

/**
 * The outbox comes in pages (docs/adr/0035, addendum of 2026-12-05, seventh session): keyset on
 * (created_at, id), all mail or one ticket's, each read in that order from an index that ends with
 * `id`. They replace the indexes without it, which every query of theirs the new ones serve too.
 * Built CONCURRENTLY, outside a transaction: mail is written while the service runs. A build cut
 * short leaves an invalid index, which IF NOT EXISTS would keep: it is dropped first.
 */
export class MailOutboxPages1765606851000 implements MigrationInterface {
  name = 'MailOutboxPages1765606851000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const index of INDEXES) {
      await createIndexConcurrently(queryRunner, S, index.name, `mail_messages ${index.columns}`);
      await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${S}.${index.replaces}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of INDEXES) {
      await queryRunner.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${index.replaces} ON ${S}.mail_messages ${index.was}`);
      await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${S}.${index.name}`);
    }
  }
}
