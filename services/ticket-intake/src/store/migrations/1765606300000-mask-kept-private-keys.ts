import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutPrivateKeys, withoutPrivateKeys } from '@tss/service-kit';
import { sweepKeptTicketTexts } from './sweep-kept-ticket-texts';

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): releases before it did not take a
 * private key (a PEM, PGP or PuTTY block) for an access particular, so a key pasted into a request,
 * a detail, a message or a note was kept as written: the request and the closure (`tickets`, and
 * with them the search document, kept by its triggers), message bodies, every history entry's
 * detail, the `ticket.*` events in the outbox, and the answers kept for Idempotency-Key retries
 * (24 h). This removes each key's block with `withoutPrivateKeys`, `[access particulars removed]` in
 * its place, and nothing else: what earlier masking migrations left as the detection of their day
 * found it stays as it is. Removed, not vaulted, as every masking migration of tickets did (the
 * migration has no master key, and the keys were shown and mailed in clear). A row whose text
 * changed loses its request verifier, as `1765604800000` clears those of masked rows: a retry under
 * its key is compared by the key alone. Only changed rows are written; a masked text holds no key,
 * so a second run changes nothing. Nothing to undo: the clear text is gone.
 */
export class MaskKeptPrivateKeys1765606300000 implements MigrationInterface {
  name = 'MaskKeptPrivateKeys1765606300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await sweepKeptTicketTexts(queryRunner, { text: withoutPrivateKeys, json: jsonWithoutPrivateKeys });
  }

  async down(): Promise<void> {
    // The keys are gone for good (P9): there is nothing to restore.
  }
}
