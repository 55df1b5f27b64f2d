import { TransactionWrites } from '../consumer/batch-writes';
import type { EventHandler, HandlerContext } from '../consumer/event-consumer';
import type { CloudEvent } from '@tss/contracts';

/**
 * Calls handlers directly in the caller's transaction, as a consumer batch would: each with the
 * same deferred writes (`HandlerContext.batch`), flushed once after the last (docs/adr/0049).
 */
export const handleInTransaction = async (
  ctx: Omit<HandlerContext, 'batch'>,
  calls: readonly (readonly [EventHandler<unknown>, CloudEvent<unknown>])[],
): Promise<void> => {
  const batch = new TransactionWrites(ctx);
  for (const [handle, event] of calls) await handle(event, { ...ctx, batch });
  await batch.flushAll();
};
