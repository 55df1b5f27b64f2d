import type { Static, TSchema } from '@sinclair/typebox';

/** The services that own state and produce events (DESIGN "Who owns what"). */
export const ServiceNames = ['gateway', 'ticket-intake', 'sla-timer', 'notification', 'escalation', 'rating'] as const;
export type ServiceName = (typeof ServiceNames)[number];

/**
 * One event contract: a type, a version of its data schema and the one service allowed to
 * produce it. A breaking change to `data` adds a V2 contract beside V1 with the same `type`;
 * consumers accept both until every producer has rolled (docs/adr/0004).
 */
export interface EventContract<TType extends string = string, TData extends TSchema = TSchema> {
  readonly type: TType;
  readonly version: number;
  readonly owner: ServiceName;
  /** Kafka topic: one per producing domain (`tss.ticket`, `tss.sla`, ...). */
  readonly topic: string;
  readonly schema: TData;
  readonly description: string;
}

/**
 * P9: the one `data` field an event may carry for its consumers only, never for the record. The
 * platform delivers it, then removes it from the copies it keeps at rest: the producer's outbox row
 * as it is published, the in-process log's entry once every group reading its topic has committed
 * it (docs/adr/0070). The rest of `data` must make sense without it.
 */
export const IN_TRANSIT_FIELD = 'inTransit';

export type EventData<C> = C extends EventContract<string, infer S> ? Static<S> : never;

const topicFor = (type: string): string => `tss.${type.slice(0, type.indexOf('.'))}`;

export const defineEvent = <TType extends string, TData extends TSchema>(
  type: TType,
  version: number,
  owner: ServiceName,
  schema: TData,
  description: string,
): EventContract<TType, TData> => ({ type, version, owner, topic: topicFor(type), schema, description });
