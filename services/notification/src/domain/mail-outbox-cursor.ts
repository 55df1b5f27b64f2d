import { cursorInstant, cursorPosition, cursorUuid, keysetCursor, type CursorHolder, type Failure, type Result } from '@tss/service-kit';

/** Where a page of the outbox ended (newest first): its last mail's sort keys. */
export interface OutboxPosition {
  createdAt: Date;
  id: string;
}

const cursors = keysetCursor('mail-outbox', 'outbox');

/** A cursor for the page after `last`, bound to its reader and the ticket the page was filtered to (docs/adr/0027). */
export const encodeOutboxCursor = (last: OutboxPosition, holder: CursorHolder, filters: { ticketId?: string }): string =>
  cursors.encode(holder, filters, [last.createdAt.toISOString(), last.id]);

export const decodeOutboxCursor = (cursor: string, holder: CursorHolder, filters: { ticketId?: string }): Result<OutboxPosition, Failure> =>
  cursorPosition(cursors.decode(cursor, holder, filters), ([createdAt, id, ...rest]) => {
    const position = { createdAt: cursorInstant(createdAt), id: cursorUuid(id) };
    return position.createdAt && position.id && rest.length === 0 ? { createdAt: position.createdAt, id: position.id } : undefined;
  });
