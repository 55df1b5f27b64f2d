import pino from 'pino';
import type { EntityManager } from 'typeorm';
import { TransactionWrites } from '@tss/messaging';
import type { RuleCause } from '../../src/domain/escalation-rules';
import { raiseFor, type RaiseDeps } from '../../src/use-cases/raise-escalations';

/** `raiseFor` as a transaction of its own would run it: its own deferred writes, written at its end. */
export const raiseNow = async (tx: EntityManager, deps: RaiseDeps, cause: RuleCause, now: Date) => {
  const writes = new TransactionWrites({ tx, outbox: deps.outbox, now, logger: pino({ level: 'silent' }) });
  const raised = await raiseFor(tx, deps, cause, now, writes);
  await writes.flushAll();
  return raised;
};
