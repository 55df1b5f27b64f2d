import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutKeptPrivateKeys, withoutKeptPrivateKeys } from '@tss/service-kit';
import { sweepKeptTicketTexts } from './sweep-kept-ticket-texts';

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): before the fifth session a key pasted
 * after "password:" (or "Token:", "пароль:" …) lost only its "-----BEGIN" to the password's value,
 * vaulted or removed, and the rest of its block stayed: the BEGIN line's tail, the base64 lines and
 * the END line, which `1765606300000` (`withoutPrivateKeys`, whole keys only) does not find. This
 * removes such remainders (`withoutKeptPrivateKeys`) from every copy that migration swept: the
 * request and the closure (and with them the search document, kept by its triggers), message
 * bodies, every history entry's detail, the `ticket.*` events in the outbox and the answers kept for
 * Idempotency-Key retries. A remainder right after the placeholder goes with the blanks before it,
 * so "password: [credentials stored securely: TSS vault #…]" is what stays; elsewhere it becomes
 * `[access particulars removed]`. A row whose text changed loses its request verifier (and a kept
 * answer its fingerprint), as in `1765606300000`. Only changed rows are written; a second run
 * changes nothing. Nothing to undo: the clear text is gone.
 */
export class MaskKeptKeyRemainders1765606530000 implements MigrationInterface {
  name = 'MaskKeptKeyRemainders1765606530000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await sweepKeptTicketTexts(queryRunner, { text: withoutKeptPrivateKeys, json: jsonWithoutKeptPrivateKeys });
  }

  async down(): Promise<void> {
    // The keys' remainders are gone for good (P9): there is nothing to restore.
  }
}
