import './formats';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
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

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * A schema's compiled check, built once: every event written and read is checked, and the
 * interpreted `Value.Check` was 8 % of a busy sla-timer replica's CPU (docs/performance.md).
 */
const check = <T extends TSchema>(schema: T, value: unknown): value is Static<T> => {
  let typeCheck = compiled.get(schema);
  if (!typeCheck) {
    typeCheck = TypeCompiler.Compile(schema);
    compiled.set(schema, typeCheck);
  }
  return typeCheck.Check(value);
};

/**
 * Checks an incoming or outgoing event against the catalogue: a CloudEvents 1.0 envelope whose
 * `dataschema` names a known contract version, whose `type` matches it and whose `data` follows it.
 * Producers call it before writing the outbox; consumers before handling (bad ones are dead-lettered).
 */
/**
 * The envelope alone, for an event of a type this release does not know (a newer release's,
 * docs/adr/0072): its `data` cannot be checked, only that it is a CloudEvents 1.0 envelope.
 */
export const validateEnvelope = (candidate: unknown): { ok: true; event: CloudEvent<unknown> } | { ok: false; reason: string } =>
  check(CloudEventEnvelope, candidate) ? { ok: true, event: candidate } : { ok: false, reason: `not a CloudEvents 1.0 envelope: ${describeErrors(CloudEventEnvelope, candidate)}` };

export const validateEvent = (candidate: unknown): EventValidation => {
  if (!check(CloudEventEnvelope, candidate)) {
    return { ok: false, reason: `not a CloudEvents 1.0 envelope: ${describeErrors(CloudEventEnvelope, candidate)}` };
  }
  const schemaRef = parseDataSchemaUri(candidate.dataschema);
  if (!schemaRef || schemaRef.type !== candidate.type) {
    return { ok: false, reason: `dataschema ${candidate.dataschema} does not match type ${candidate.type}` };
  }
  const contract = findContract(schemaRef.type, schemaRef.version);
  if (!contract) return { ok: false, reason: `unknown event contract ${candidate.type} v${schemaRef.version}` };
  if (!check(contract.schema, candidate.data)) {
    return { ok: false, reason: `${candidate.type} v${contract.version} data invalid: ${describeErrors(contract.schema, candidate.data)}` };
  }
  return { ok: true, event: candidate, contract };
};
