import type { MigrationInterface, QueryRunner } from 'typeorm';
import { IN_TRANSIT_FIELD } from '@tss/contracts';
import { assertSchemaName } from '@tss/persistence';
import { jsonWithoutKeptPrivateKeys, withoutKeptPrivateKeys } from '@tss/service-kit';

type MigrationClass = new () => MigrationInterface;

/** Letters per page: a value is one event's data (a mail's text runs to tens of kilobytes). */
const BATCH = 200;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An event's data with every key removed but in `inTransit`; the very same value when nothing changes. */
const dataWithoutKeys = (data: unknown): unknown => {
  if (!isRecord(data) || !(IN_TRANSIT_FIELD in data)) return jsonWithoutKeptPrivateKeys(data);
  const { [IN_TRANSIT_FIELD]: inTransit, ...kept } = data;
  const masked = jsonWithoutKeptPrivateKeys(kept);
  // A record's masking is a record with the same keys.
  return masked === kept || !isRecord(masked) ? data : { ...masked, [IN_TRANSIT_FIELD]: inTransit };
};

/** A letter's value re-encoded without keys; undefined when nothing changes or it is no UTF-8 JSON (a malformed message stays as it came). */
const valueWithoutKeys = (value: Buffer): Buffer | undefined => {
  let data: unknown;
  try {
    data = JSON.parse(UTF8.decode(value)) as unknown;
  } catch {
    return undefined;
  }
  const masked = dataWithoutKeys(data);
  return masked === data ? undefined : Buffer.from(JSON.stringify(masked), 'utf8');
};

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): a dead letter keeps the event whole
 * (`value`, its data as the transport carried it) until an operator replays or skips it and
 * retention prunes it; a parked one stays for good. Letters of events older releases published with
 * a pasted private key as written (a ticket's subject or steps, a message's body, a mail's text, a
 * rating's comment, a referral's reason), or half-masked (a key after "password:" that lost only its
 * "-----BEGIN"), still hold it: the fifth session swept the outboxes and the event log, not these.
 * Every letter's data, of every type and status, goes through `withoutKeptPrivateKeys` (whole keys
 * and headless remainders replaced by `[access particulars removed]`), as does the failure's
 * `reason` (a consumer's message may quote a value). `inTransit` is left alone, as the event log's
 * 1765606320000 leaves it: it is the vault's, and a replayed letter hands intake what it must vault.
 * A value that is no UTF-8 JSON is left as it came. Pages by id, only changed letters written; a
 * second run changes nothing. Nothing to undo: the clear text is gone.
 */
export const messagingDeadLetterPrivateKeysMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class MessagingDeadLetterPrivateKeys1765606520000 implements MigrationInterface {
    name = 'MessagingDeadLetterPrivateKeys1765606520000';

    async up(queryRunner: QueryRunner): Promise<void> {
      for (let after = '0'; ; ) {
        const rows = (await queryRunner.query(`SELECT id::text AS id, value, reason FROM "${s}".dead_letters WHERE id > $1::bigint ORDER BY id LIMIT ${BATCH}`, [after])) as {
          id: string;
          value: Buffer | null;
          reason: string;
        }[];
        if (rows.length === 0) break;
        for (const row of rows) {
          const value = row.value === null ? undefined : valueWithoutKeys(row.value);
          const reason = withoutKeptPrivateKeys(row.reason);
          if (value === undefined && reason === row.reason) continue;
          await queryRunner.query(`UPDATE "${s}".dead_letters SET value = coalesce($2, value), reason = $3 WHERE id = $1::bigint`, [row.id, value ?? null, reason]);
        }
        after = rows[rows.length - 1].id;
      }
    }

    async down(): Promise<void> {
      // The keys are gone for good (P9): there is nothing to restore.
    }
  };
};
