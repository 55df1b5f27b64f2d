import './formats';
import { Value } from '@sinclair/typebox/value';
import { CloudEventEnvelope, parseDataSchemaUri, type CloudEvent } from './cloud-event';
import { findContract } from './catalogue';
import type { EventContract } from './event-contract';

export type EventValidation =
  | { ok: true; event: CloudEvent<unknown>; contract: EventContract }
  | { ok: false; reason: string };

const describeErrors = (schema: Parameters<typeof Value.Errors>[0], value: unknown): string =>
  [...Value.Errors(schema, value)]
    .slice(0, 5)
    .map((e) => `${e.path || '/'}: ${e.message}`)
    .join('; ');

/**
 * Checks an incoming or outgoing event against the catalogue: a CloudEvents 1.0 envelope whose
 * `dataschema` names a known contract version, whose `type` matches it and whose `data` follows it.
 * Producers call it before writing the outbox; consumers before handling (bad ones are dead-lettered).
 */
export const validateEvent = (candidate: unknown): EventValidation => {
  if (!Value.Check(CloudEventEnvelope, candidate)) {
    return { ok: false, reason: `not a CloudEvents 1.0 envelope: ${describeErrors(CloudEventEnvelope, candidate)}` };
  }
  const schemaRef = parseDataSchemaUri(candidate.dataschema);
  if (!schemaRef || schemaRef.type !== candidate.type) {
    return { ok: false, reason: `dataschema ${candidate.dataschema} does not match type ${candidate.type}` };
  }
  const contract = findContract(schemaRef.type, schemaRef.version);
  if (!contract) return { ok: false, reason: `unknown event contract ${candidate.type} v${schemaRef.version}` };
  if (!Value.Check(contract.schema, candidate.data)) {
    return { ok: false, reason: `${candidate.type} v${contract.version} data invalid: ${describeErrors(contract.schema, candidate.data)}` };
  }
  return { ok: true, event: candidate, contract };
};
