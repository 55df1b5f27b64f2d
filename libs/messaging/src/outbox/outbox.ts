import { randomUUID } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import type { EntityManager } from 'typeorm';
import { dataSchemaUri, validateEvent, type CloudEvent, type EventContract, type EventData, type ServiceName } from '@tss/contracts';
import { traceCarrierOf, type Clock } from '@tss/service-kit';
import { assertSchemaName } from '@tss/persistence';

/** Thrown when a service tries to publish an event it does not own or that breaks its contract: a bug. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

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
    if (contract.owner !== this.options.service) {
      throw new ContractViolation(`${this.options.service} may not produce ${contract.type}; its owner is ${contract.owner}`);
    }
    const event: CloudEvent<EventData<C>> = {
      specversion: '1.0',
      id: options.id ?? randomUUID(),
      source: `tss/${this.options.service}`,
      type: contract.type,
      time: this.options.clock.now().toISOString(),
      subject,
      datacontenttype: 'application/json',
      dataschema: dataSchemaUri(contract.type, contract.version),
      ...traceCarrierOf(),
      data: Value.Clone(data),
    };
    const validation = validateEvent(event);
    if (!validation.ok) throw new ContractViolation(validation.reason);
    await tx.query(
      `INSERT INTO "${this.schema}".outbox (event_id, event_type, topic, message_key, event, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [event.id, event.type, contract.topic, subject, JSON.stringify(event), event.time],
    );
    return event;
  }
}
