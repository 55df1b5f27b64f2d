import type { EntityManager } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';

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
    `INSERT INTO "${assertSchemaName(schema)}".inbox (consumer_group, event_id, event_type, handled_at)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING event_id`,
    [group, event.id, event.type, handledAt],
  )) as unknown[];
  return rows.length === 1;
};
