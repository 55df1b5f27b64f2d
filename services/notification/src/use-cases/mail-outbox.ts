import type { EntityManager } from 'typeorm';
import { ok, type CursorHolder, type Failure, type Result } from '@tss/service-kit';
import { decodeOutboxCursor, encodeOutboxCursor } from '../domain/mail-outbox-cursor';
import { mailStore, type MailRow } from '../store/mail.store';

/**
 * A page of the outbox, newest first, and the cursor of the next (older) page when there is one:
 * keyset on (created_at, id), so mail queued while a reader pages comes before their first page and
 * never shifts a later one (docs/adr/0035, addendum of 2026-12-05, seventh session).
 */
export const listOutgoingMail = async (
  tx: EntityManager,
  holder: CursorHolder,
  options: { limit: number; ticketId?: string; cursor?: string },
): Promise<Result<{ items: MailRow[]; nextCursor?: string }, Failure>> => {
  const filters = options.ticketId === undefined ? {} : { ticketId: options.ticketId };
  const before = options.cursor === undefined ? undefined : decodeOutboxCursor(options.cursor, holder, filters);
  if (before && !before.ok) return before;
  const rows = await mailStore.latest(tx, { limit: options.limit + 1, ticketId: options.ticketId, before: before?.value });
  const items = rows.slice(0, options.limit);
  const last = items.at(-1);
  return ok({ items, ...(rows.length > options.limit && last ? { nextCursor: encodeOutboxCursor(last, holder, filters) } : {}) });
};
