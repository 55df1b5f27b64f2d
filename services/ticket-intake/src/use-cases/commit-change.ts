import type { EntityManager } from 'typeorm';
import type { Outbox } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import type { Actor } from '../domain/actor';
import { historyVisibilityOf } from '../domain/history-visibility';
import type { Ticket, TicketEffect } from '../domain/ticket';
import { publishTicketEffects } from '../events/ticket-events.producer';
import type { FilingHooks } from './file-ticket';
import { historyStore } from '../store/history.store';
import { ticketStore, type LockedTicket } from '../store/ticket.store';

/** Timer kind of the P11 auto-close at the end of the reopen window. */
export const AUTO_CLOSE_TIMER = 'ticket.auto_close';
export const autoCloseTimerId = (ticketId: string): string => `auto-close:${ticketId}`;

/** What reacts, in the same transaction, when a ticket is resolved or leaves `resolved` (credentials, P9). */
export interface LifecycleHooks {
  onResolved?(tx: EntityManager, ticket: Ticket, now: Date): Promise<void>;
  onReopened?(tx: EntityManager, ticket: Ticket, now: Date): Promise<void>;
  /** Closed without passing through `resolved` (P6 out of scope): what resolution would have started starts now. */
  onClosed?(tx: EntityManager, ticket: Ticket, now: Date): Promise<void>;
  /** Whether the ticket holds access particulars (P9): `ticket.resolved` says so, so the mail asks to change them. */
  holdsCredentials?(tx: EntityManager, ticketId: string): Promise<boolean>;
}

export interface ChangeDeps {
  outbox: Outbox;
  timers: TimerStore;
  hooks?: readonly LifecycleHooks[];
  /** For changes that file a follow-up ticket (P11) or a ticket from mail (P8). */
  filingHooks?: readonly FilingHooks[];
}

/**
 * P9: a resolution, or a closure without one (out of scope, P6), says whether the requester must
 * change access particulars the vault holds (notification's resolved or closure mail asks them to).
 */
const withCredentialsHeld = async (tx: EntityManager, deps: ChangeDeps, locked: Ticket, effects: readonly TicketEffect[]): Promise<readonly TicketEffect[]> => {
  const checks = (deps.hooks ?? []).filter((h) => h.holdsCredentials);
  const tells = (e: TicketEffect) => e.kind === 'resolved' || (e.kind === 'closed' && locked.status !== 'resolved');
  if (checks.length === 0 || !effects.some(tells)) return effects;
  let held = false;
  for (const hooks of checks) held = held || (await hooks.holdsCredentials!(tx, locked.id));
  return effects.map((e) => (tells(e) ? { ...e, credentialsHeld: held } : e));
};

/**
 * What an entry need not keep: a wait's `question` is the change's note, kept as `note` already; an
 * agent's reply and its files are on the thread, named by its `messageId` (each file has its own
 * `attachment_uploaded` entry).
 */
const keptElsewhere = (effect: TicketEffect, key: string): boolean => key === 'question' || (effect.kind === 'agent_replied' && (key === 'body' || key === 'attachments'));

const detailOf = (effect: TicketEffect): Record<string, unknown> => {
  const { kind: _kind, ...rest } = effect;
  return Object.fromEntries(Object.entries(rest).filter(([k]) => !keptElsewhere(effect, k)).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
};

/**
 * Commits a change to a locked ticket: its events numbered on from the locked sequence, its row
 * with the new state and sequence, one history entry per event (who, when, why), and the timers
 * the new state needs, all in `tx`. `note` goes into the entries' detail (the why).
 */
export const commitChange = async (
  tx: EntityManager,
  deps: ChangeDeps,
  locked: LockedTicket,
  change: { ticket: Ticket; effects: readonly TicketEffect[] },
  actor: Actor,
  now: Date,
  note?: string,
): Promise<LockedTicket> => {
  if (change.effects.length === 0) return locked;
  const effects = await withCredentialsHeld(tx, deps, locked, change.effects);
  const numbered = { ...change.ticket, sequence: locked.sequence };
  const sequence = await publishTicketEffects(tx, deps.outbox, numbered, effects, now);
  const next: LockedTicket = { ...change.ticket, sequence, lockedForChange: true };
  await ticketStore.update(tx, next, now);
  // P2: details staff recorded, or the description a requester's message gave a request filed without one.
  if (effects.some((e) => e.kind === 'details_changed' || (e.kind === 'message_received' && e.describes))) await ticketStore.updateRequest(tx, next);
  await historyStore.append(
    tx,
    ...effects.map((effect, i) => ({
      ticketId: next.id,
      partnerId: next.partnerId,
      at: now,
      actor,
      action: effect.kind,
      detail: { ...detailOf(effect), ...(note ? { note } : {}) },
      sequence: locked.sequence + i + 1,
      visibility: historyVisibilityOf(effect),
    })),
  );
  const kinds = new Set(change.effects.map((e) => e.kind));
  if (kinds.has('resolved') && next.reopenWindowEndsAt) {
    await deps.timers.schedule(tx, {
      id: autoCloseTimerId(next.id),
      kind: AUTO_CLOSE_TIMER,
      dueAt: next.reopenWindowEndsAt,
      payload: { ticketId: next.id, partnerId: next.partnerId },
    });
    for (const hooks of deps.hooks ?? []) await hooks.onResolved?.(tx, next, now);
  }
  if (kinds.has('closed') && locked.status !== 'resolved') {
    for (const hooks of deps.hooks ?? []) await hooks.onClosed?.(tx, next, now);
  }
  if (locked.status === 'resolved' && next.status !== 'resolved' && next.status !== 'closed') {
    await deps.timers.cancel(tx, autoCloseTimerId(next.id));
    for (const hooks of deps.hooks ?? []) await hooks.onReopened?.(tx, next, now);
  }
  return next;
};
