import type { MigrationInterface, QueryRunner } from 'typeorm';
import { REMOVED_PARTICULARS } from '@tss/service-kit';

/** The vault's placeholder in masked text (credentials.ts), up to the credential's short id. */
const VAULT_PLACEHOLDER_START = '[credentials stored securely: TSS vault #';
/** LIKE patterns for text that held access particulars when it was written: masked into the vault, or removed on an upgrade. */
const MASKED = [`%${VAULT_PLACEHOLDER_START}%`, `%${REMOVED_PARTICULARS}%`];

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): releases before it kept, on every
 * ticket and message, `request_hash` = SHA-256 of the request or message as written, particulars
 * included, for good: a guess of a password the vault destroyed could be tested against it. Now
 * only a keyed request keeps one, with its particulars replaced by a placeholder. The old ones
 * cannot be recomputed (the text as written is gone), so this clears:
 * - every verifier of a row without an Idempotency-Key: nothing ever compares it;
 * - every verifier of a keyed row whose kept text shows particulars were taken out of it (the
 *   vault's placeholder, or `[access particulars removed]`): such a row is compared by its key alone.
 * A keyed row whose text was kept as written keeps its verifier: it is the one the new code computes
 * for that text, so its retries are told from other requests as before.
 */
export class RequestVerifiersWithoutParticulars1765604800000 implements MigrationInterface {
  name = 'RequestVerifiersWithoutParticulars1765604800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE ticket_intake.tickets SET request_hash = NULL
        WHERE request_hash IS NOT NULL AND (idempotency_key IS NULL OR request::text LIKE ANY ($1::text[]))`,
      [MASKED],
    );
    await queryRunner.query(
      `UPDATE ticket_intake.messages SET request_hash = NULL
        WHERE request_hash IS NOT NULL AND (idempotency_key IS NULL OR body LIKE ANY ($1::text[]))`,
      [MASKED],
    );
  }

  async down(): Promise<void> {
    // The verifiers are gone for good (P9): there is nothing to restore.
  }
}
