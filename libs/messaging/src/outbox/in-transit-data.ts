import { IN_TRANSIT_FIELD } from '@tss/contracts';

/**
 * P9 (docs/adr/0070): an event's `data.inTransit` is for its consumers, not for the record. These
 * are the SQL spellings that remove it from the copies kept at rest.
 */

/** `event` (a jsonb envelope expression) as its outbox row keeps it once published: without `data.inTransit`. */
export const publishedEventSql = (event: string): string =>
  `CASE WHEN ${event}->'data' ? '${IN_TRANSIT_FIELD}' THEN ${event} #- '{data,${IN_TRANSIT_FIELD}}' ELSE ${event} END`;

/** A log entry's `value` (the data as UTF-8 JSON bytes, the Kafka binding's) without its `inTransit` member. */
export const consumedValueSql = (value: string): string => `convert_to((convert_from(${value}, 'UTF8')::jsonb - '${IN_TRANSIT_FIELD}')::text, 'UTF8')`;

/** True for an event whose data carries something in transit only (decoded, so not yet validated). */
export const carriesInTransitData = (event: unknown): boolean => {
  if (typeof event !== 'object' || event === null) return false;
  const data = (event as { data?: unknown }).data;
  return typeof data === 'object' && data !== null && IN_TRANSIT_FIELD in data;
};
