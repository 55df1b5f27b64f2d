import type { TimerHandler } from '@tss/timers';
import { SYSTEM_ACTOR } from '../domain/actor';
import { closeAfterReopenWindow } from '../domain/ticket';
import { ticketStore } from '../store/ticket.store';
import { commitChange, type ChangeDeps } from '../use-cases/commit-change';

/**
 * P11: a resolved ticket closes by itself when its reopen window ends. The timer fires in the
 * transaction that changes the ticket; a ticket reopened meanwhile (timer cancelled, or racing
 * the cancel) is left as it is.
 */
export const autoCloseTimer =
  (deps: ChangeDeps): TimerHandler =>
  async (timer, tx) => {
    const { ticketId, partnerId } = timer.payload as { ticketId: string; partnerId: string };
    const locked = await ticketStore.lockForChange(tx, partnerId, ticketId);
    if (!locked) return;
    const change = closeAfterReopenWindow(locked, timer.claimedAt);
    if (!change || 'violation' in change) return;
    await commitChange(tx, deps, locked, change, SYSTEM_ACTOR, timer.claimedAt);
  };
