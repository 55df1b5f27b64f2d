import type { EntityManager } from 'typeorm';
import { assertSchemaName, prepared } from '@tss/persistence';

/**
 * Records that `group` handled `eventId`, inside the transaction of the effect. Returns false when
 * it was already recorded: the event is a redelivery and must change nothing.
 */
export const recordHandled = async (
  tx: EntityManager,
  schema: string,
  group: string,
  event: { id: string; type: string },
  handledAt: Date,
): Promise<boolean> => {
  const rows = (await tx.query(
    prepared(`INSERT INTO "${assertSchemaName(schema)}".inbox (consumer_group, event_id, event_type, handled_at)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING event_id`),
    [group, event.id, event.type, handledAt],
  )) as unknown[];
  return rows.length === 1;
};

/**
 * `recordHandled` for a batch, and the batch's parking check (which of `keys` have a parked entry
 * in the same schema's `dead_letters`), in one statement (issue #15: one per batch fewer). Sent
 * once the keys are locked (`DeadLetterStore.lockKeys`), so its snapshot, taken after the locks,
 * sees every parking committed before them. Answers the keys found parked and the events not
 * recorded before (those whose effect must be applied now); ids must be distinct. A caller that
 * finds a key parked rolls its transaction back, and the rows recorded go with it.
 */
export const recordHandledAllUnlessParked = async (
  tx: EntityManager,
  schema: string,
  group: string,
  events: readonly { id: string; type: string }[],
  keys: readonly string[],
  handledAt: Date,
): Promise<{ parked: Set<string>; fresh: Set<string> }> => {
  const s = assertSchemaName(schema);
  const rows = (await tx.query(
    prepared(`WITH parked AS (
       SELECT DISTINCT message_key FROM "${s}".dead_letters WHERE consumer_group = $1 AND message_key = ANY($5::text[]) AND status = 'parked'
     ), fresh AS (
       INSERT INTO "${s}".inbox (consumer_group, event_id, event_type, handled_at)
       SELECT $1, e.id, e.type, $4 FROM unnest($2::text[], $3::text[]) AS e(id, type)
       ON CONFLICT DO NOTHING RETURNING event_id
     )
     SELECT true AS parked, message_key AS id FROM parked UNION ALL SELECT false AS parked, event_id AS id FROM fresh`),
    [group, events.map((e) => e.id), events.map((e) => e.type), handledAt, [...keys]],
  )) as { parked: boolean; id: string }[];
  const parked = new Set<string>();
  const fresh = new Set<string>();
  for (const row of rows) (row.parked ? parked : fresh).add(row.id);
  return { parked, fresh };
};
