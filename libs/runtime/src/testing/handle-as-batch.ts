import pino from 'pino';
import type { CloudEvent } from '@tss/contracts';
import type { HandlerBinding } from '@tss/messaging';
import { handleInTransaction } from '@tss/messaging/testing';
import { countedStatements } from '@tss/persistence/testing';
import type { ServiceUnderTest } from './service-under-test';

/**
 * Runs `events` through the handlers of their types in one transaction of `sut`, as one consumer
 * batch would (`handleInTransaction`: the same deferred writes, flushed after the last), and
 * answers how many of the transaction's statements contain `counting`.
 */
export const handleAsBatch = (
  sut: ServiceUnderTest,
  handlers: readonly HandlerBinding[],
  events: readonly CloudEvent<unknown>[],
  { now, counting }: { now: Date; counting: string },
): Promise<number> =>
  sut.host.unitOfWork.run(async (tx) => {
    const counted = countedStatements(tx);
    const handlerOf = (type: string) => {
      const binding = handlers.find((h) => h.contract.type === type);
      if (!binding) throw new Error(`no handler of ${type} among those given`);
      return binding.handle;
    };
    await handleInTransaction(
      { tx: counted.tx, outbox: sut.host.outbox, now, logger: pino({ level: 'silent' }) },
      events.map((e) => [handlerOf(e.type), e] as const),
    );
    return counted.count(counting);
  });
