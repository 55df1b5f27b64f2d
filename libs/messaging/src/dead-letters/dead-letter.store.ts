import type { EntityManager } from 'typeorm';
import { assertSchemaName, prepared } from '@tss/persistence';
import type { InboundMessage } from '../transport';

export type DeadLetterStatus = 'parked' | 'replayed' | 'skipped';
/** `failed`: the consumer gave up on it. `held`: parked behind a failed event of its key, never tried. */
export type DeadLetterKind = 'failed' | 'held';

export interface DeadLetterRow {
  id: string;
  consumer_group: string;
  topic: string;
  message_key: string | null;
  position: string | null;
  event_id: string | null;
  event_type: string | null;
  headers: Record<string, string>;
  value: Buffer | null;
  reason: string;
  kind: DeadLetterKind;
  status: DeadLetterStatus;
  dead_lettered_at: Date;
  resolved_at: Date | null;
}

/** The transaction's way into SQL: an EntityManager or a DataSource both have it. */
type Queryable = Pick<EntityManager, 'query'>;

/** The message as it came, to hand to the consumer again on replay. */
export const toInboundMessage = (row: DeadLetterRow): InboundMessage => ({
  topic: row.topic,
  key: row.message_key ?? undefined,
  event: undefined,
  raw: { value: row.value, headers: row.headers },
  position: row.position ?? undefined,
});

/** The consumer's key locks, per event and per batch (prepared: docs/adr/0058). */
const LOCK_KEY = prepared('SELECT pg_advisory_xact_lock(hashtext($1))');
const LOCK_KEYS = prepared(
  `SELECT pg_advisory_xact_lock(hashtext('dead-letters:' || $1 || ':' || k.key)) FROM unnest($2::text[]) WITH ORDINALITY AS k(key, n) ORDER BY k.n`,
);

const COLUMNS = 'id, consumer_group, topic, message_key, position, event_id, event_type, headers, value, reason, kind, status, dead_lettered_at, resolved_at';

/** Dead letters and the events parked behind them, in the service's own schema (docs/adr/0013). */
export class DeadLetterStore {
  private readonly table: string;
  private readonly keyIsParkedSql: string;

  constructor(schema: string) {
    this.table = `"${assertSchemaName(schema)}".dead_letters`;
    this.keyIsParkedSql = prepared(`SELECT 1 FROM ${this.table} WHERE consumer_group = $1 AND message_key = $2 AND status = 'parked' LIMIT 1`);
  }

  /**
   * Serialises, per key, the consumer's "is this key parked?" with the operator's release, so an
   * event arriving while parked events are released can neither overtake them nor be forgotten.
   */
  async lockKey(tx: Queryable, group: string, key: string): Promise<void> {
    await tx.query(LOCK_KEY, [`dead-letters:${group}:${key}`]);
  }

  /** `lockKey` for several keys in one statement, in a fixed order (the batch path of the consumer). */
  async lockKeys(tx: Queryable, group: string, keys: readonly string[]): Promise<void> {
    const sorted = [...new Set(keys)].sort();
    await tx.query(LOCK_KEYS, [group, sorted]);
  }

  async keyIsParked(tx: Queryable, group: string, key: string): Promise<boolean> {
    const rows = (await tx.query(this.keyIsParkedSql, [group, key])) as unknown[];
    return rows.length > 0;
  }

  /** Parks a message; returns its id, or nothing when the same event is parked already. */
  async add(
    tx: Queryable,
    entry: { group: string; message: InboundMessage; eventId?: string; eventType?: string; reason: string; kind: DeadLetterKind; at: Date },
  ): Promise<string | undefined> {
    const { message } = entry;
    const rows = (await tx.query(
      `INSERT INTO ${this.table} (consumer_group, topic, message_key, position, event_id, event_type, headers, value, reason, kind, status, dead_lettered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'parked', $11)
       ON CONFLICT (consumer_group, event_id) WHERE status = 'parked' DO NOTHING RETURNING id`,
      [
        entry.group,
        message.topic,
        message.key ?? null,
        message.position ?? null,
        entry.eventId ?? message.raw.headers['ce_id'] ?? null,
        entry.eventType ?? message.raw.headers['ce_type'] ?? null,
        JSON.stringify(message.raw.headers),
        message.raw.value,
        entry.reason.slice(0, 2_000),
        entry.kind,
        entry.at,
      ],
    )) as { id: string }[];
    return rows[0]?.id; // none: this event is parked already (a redelivery)
  }

  async find(tx: Queryable, group: string, id: string): Promise<DeadLetterRow | undefined> {
    const rows = (await tx.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE consumer_group = $1 AND id = $2`, [group, id])) as DeadLetterRow[];
    return rows[0];
  }

  /** The oldest parked entry of a key: the next one to release, in the order they arrived. */
  async firstParked(tx: Queryable, group: string, key: string): Promise<DeadLetterRow | undefined> {
    const rows = (await tx.query(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE consumer_group = $1 AND message_key = $2 AND status = 'parked' ORDER BY id LIMIT 1`,
      [group, key],
    )) as DeadLetterRow[];
    return rows[0];
  }

  async list(tx: Queryable, group: string, options: { status?: DeadLetterStatus; limit?: number } = {}): Promise<DeadLetterRow[]> {
    return (await tx.query(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE consumer_group = $1 AND ($2::text IS NULL OR status = $2) ORDER BY id LIMIT $3`,
      [group, options.status ?? null, options.limit ?? 100],
    )) as DeadLetterRow[];
  }

  async resolve(tx: Queryable, id: string, status: Exclude<DeadLetterStatus, 'parked'>, at: Date): Promise<void> {
    await tx.query(`UPDATE ${this.table} SET status = $2, resolved_at = $3 WHERE id = $1`, [id, status, at]);
  }

  /** A held event that failed when released becomes the key's dead letter; the rest stay behind it. */
  async markFailed(tx: Queryable, id: string, reason: string): Promise<void> {
    await tx.query(`UPDATE ${this.table} SET kind = 'failed', reason = $2 WHERE id = $1`, [id, reason.slice(0, 2_000)]);
  }

  /** Entries per kind and status, for the metrics. */
  async counts(tx: Queryable, group: string): Promise<{ kind: DeadLetterKind; status: DeadLetterStatus; n: number }[]> {
    return (await tx.query(`SELECT kind, status, count(*)::int AS n FROM ${this.table} WHERE consumer_group = $1 GROUP BY kind, status`, [group])) as {
      kind: DeadLetterKind;
      status: DeadLetterStatus;
      n: number;
    }[];
  }
}
