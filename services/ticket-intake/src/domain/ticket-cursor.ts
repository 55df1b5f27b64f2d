import { cursorInstant, cursorPosition, cursorUuid, keysetCursor, type CursorHolder, type Failure, type Result } from '@tss/service-kit';
import type { QueuePosition } from './queue-order';

/**
 * Keyset cursors for the ticket list and the queue (docs/adr/0027): the sort keys of the last item
 * handed out, so the next page starts after it whatever was filed meanwhile. The shared codec
 * (libs/service-kit keyset-cursor.ts): opaque, bound to the caller and the filters it was issued for; an edited,
 * truncated or mixed-up cursor is a 400 instead of a wrong page.
 */
export interface TicketListPosition {
  receivedAt: Date;
  id: string;
}

const TICKETS = keysetCursor('tickets', 'list');
const QUEUE = keysetCursor('queue', 'queue');

export const encodeTicketListCursor = (position: TicketListPosition, holder: CursorHolder, filters: unknown): string =>
  TICKETS.encode(holder, filters, [position.receivedAt.toISOString(), position.id]);

export const decodeTicketListCursor = (cursor: string, holder: CursorHolder, filters: unknown): Result<TicketListPosition, Failure> =>
  cursorPosition(TICKETS.decode(cursor, holder, filters), ([at, id, ...rest]) => {
    const [receivedAt, uuid] = [cursorInstant(at), cursorUuid(id)];
    return receivedAt && uuid && rest.length === 0 ? { receivedAt, id: uuid } : undefined;
  });

// A position owing nothing (the `open` view) carries one more key; cursors issued before it had four.
const OWES_NOTHING = 'owes_nothing';

export const encodeQueueCursor = (position: QueuePosition, holder: CursorHolder, filters: unknown): string =>
  QUEUE.encode(holder, filters, [position.rank, position.dueAt.toISOString(), position.receivedAt.toISOString(), position.id, ...(position.owesNothing ? [OWES_NOTHING] : [])]);

export const decodeQueueCursor = (cursor: string, holder: CursorHolder, filters: unknown): Result<QueuePosition, Failure> =>
  cursorPosition(QUEUE.decode(cursor, holder, filters), ([rank, due, at, id, ...rest]) => {
    const [dueAt, receivedAt, uuid] = [cursorInstant(due), cursorInstant(at), cursorUuid(id)];
    const owesNothing = rest.length === 1 && rest[0] === OWES_NOTHING;
    if (!(rank === 0 || rank === 1) || !dueAt || !receivedAt || !uuid || (rest.length > 0 && !owesNothing)) return undefined;
    return { ...(owesNothing ? { owesNothing: true as const } : {}), rank, dueAt, receivedAt, id: uuid };
  });
