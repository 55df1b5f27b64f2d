import { randomUUID } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import type { EntityManager } from 'typeorm';
import { dataSchemaUri, validateEvent, type CloudEvent, type EventContract, type EventData, type ServiceName } from '@tss/contracts';
import { traceCarrierOf, type Clock, type TraceCarrier } from '@tss/service-kit';
import { assertSchemaName, prepared } from '@tss/persistence';

/** Thrown when a service tries to publish an event it does not own or that breaks its contract: a bug. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** One event to write with `Outbox.addAll`; `outboxDraft` builds it with the data checked against its contract's type. */
export interface OutboxDraft {
  contract: EventContract;
  subject: string;
  data: unknown;
  id?: string;
  /** The trace the event belongs to, when not the active context's (work done later for it: a queued mail). */
  trace?: TraceCarrier;
}

export const outboxDraft = <C extends EventContract>(contract: C, subject: string, data: EventData<C>, options: { id?: string; trace?: TraceCarrier } = {}): OutboxDraft => ({
  contract,
  subject,
  data,
  id: options.id,
  ...(options.trace ? { trace: options.trace } : {}),
});

/**
 * The transactions, by their query runner, that wrote outbox rows: a unit of work wakes its relay
 * after committing one of these and no other (the commits that write none, most of a consumer's,
 * would each cost the relay an empty drain). Rows committed by anything else still wake it by
 * their INSERT's NOTIFY (`outbox-notify.migration.ts`).
 */
const wroteOutbox = new WeakSet<object>();
const transactionOf = (tx: EntityManager): object => tx.queryRunner ?? tx;

/** True once `addAll` ran, or `addAllStatement` was built, in `tx`'s transaction. */
export const outboxWrittenIn = (tx: EntityManager): boolean => wroteOutbox.has(transactionOf(tx));

/**
 * Writes events into the service's outbox table inside the caller's transaction, so the state
 * change and its event commit or roll back together (DESIGN "No lost or doubled effects").
 */
export class Outbox {
  private readonly schema: string;

  constructor(private readonly options: { service: ServiceName; schema: string; clock: Clock }) {
    this.schema = assertSchemaName(options.schema);
  }

  async add<C extends EventContract>(
    tx: EntityManager,
    contract: C,
    subject: string,
    data: EventData<C>,
    options: { id?: string } = {},
  ): Promise<CloudEvent<EventData<C>>> {
    const [event] = await this.addAll(tx, [outboxDraft(contract, subject, data, options)]);
    return event as CloudEvent<EventData<C>>;
  }

  /**
   * Several events in one multi-row INSERT (a use case's events, docs/performance.md), in the
   * order given: their positions follow that order, so a key's events keep it. The rows go as one
   * JSON document that PostgreSQL takes apart, not as arrays of JSON text: node-postgres escapes
   * every element of an array parameter in JavaScript, which cost more than the rest of a burst's
   * outbox writes (docs/performance.md).
   */
  async addAll(tx: EntityManager, drafts: readonly OutboxDraft[]): Promise<CloudEvent<unknown>[]> {
    if (drafts.length === 0) return [];
    const statement = this.addAllStatement(drafts, 1, tx);
    await tx.query(prepared(statement.sql), statement.params);
    return statement.events;
  }

  /**
   * `addAll` as a data-modifying statement for a caller to fold into its own `WITH` (numbered from
   * `$first`, one parameter): one round trip for a state change and its events. The events are
   * built, and checked against their contracts, here. `tx`, the transaction it will run in, lets a
   * unit of work wake the relay as it commits; without it the rows wake the relay by NOTIFY only.
   * `onlyIf`: an SQL condition on the caller's `WITH` names without which no event is written.
   */
  addAllStatement(drafts: readonly OutboxDraft[], first: number, tx?: EntityManager, onlyIf?: string): { sql: string; params: unknown[]; events: CloudEvent<unknown>[] } {
    const events = drafts.map((d) => this.build(d));
    if (tx) wroteOutbox.add(transactionOf(tx));
    return {
      sql: `INSERT INTO "${this.schema}".outbox (event_id, event_type, topic, message_key, event, created_at)
       SELECT e.id, e.type, e.topic, e.key, e.event, e.created_at
         FROM ROWS FROM (jsonb_to_recordset($${first}::jsonb) AS (id uuid, type text, topic text, key text, event jsonb, created_at timestamptz))
              WITH ORDINALITY AS e(id, type, topic, key, event, created_at, n)${onlyIf ? `
        WHERE ${onlyIf}` : ''}
        ORDER BY e.n`,
      params: [JSON.stringify(events.map((event, i) => ({ id: event.id, type: event.type, topic: drafts[i].contract.topic, key: event.subject, event, created_at: event.time })))],
      events,
    };
  }

  private build({ contract, subject, data, id, trace }: OutboxDraft): CloudEvent<unknown> {
    if (contract.owner !== this.options.service) {
      throw new ContractViolation(`${this.options.service} may not produce ${contract.type}; its owner is ${contract.owner}`);
    }
    const event: CloudEvent<unknown> = {
      specversion: '1.0',
      id: id ?? randomUUID(),
      source: `tss/${this.options.service}`,
      type: contract.type,
      time: this.options.clock.now().toISOString(),
      subject,
      datacontenttype: 'application/json',
      dataschema: dataSchemaUri(contract.type, contract.version),
      ...(trace ?? traceCarrierOf()),
      data: Value.Clone(data),
    };
    const validation = validateEvent(event);
    if (!validation.ok) throw new ContractViolation(validation.reason);
    return event;
  }
}
