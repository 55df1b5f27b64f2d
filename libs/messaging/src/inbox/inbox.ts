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
 * `recordHandled` for a batch, in one statement: returns the ids that were not recorded yet, i.e.
 * the events of the batch whose effect must be applied now. Ids must be distinct.
 */
export const recordHandledAll = async (
  tx: EntityManager,
  schema: string,
  group: string,
  events: readonly { id: string; type: string }[],
  handledAt: Date,
): Promise<Set<string>> => {
  if (events.length === 0) return new Set();
  const rows = (await tx.query(
    prepared(`INSERT INTO "${assertSchemaName(schema)}".inbox (consumer_group, event_id, event_type, handled_at)
     SELECT $1, e.id, e.type, $4 FROM unnest($2::text[], $3::text[]) AS e(id, type)
     ON CONFLICT DO NOTHING RETURNING event_id`),
    [group, events.map((e) => e.id), events.map((e) => e.type), handledAt],
  )) as { event_id: string }[];
  return new Set(rows.map((r) => r.event_id));
};
