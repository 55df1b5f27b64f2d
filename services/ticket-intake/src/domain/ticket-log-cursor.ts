import { cursorPosition, cursorSerial, keysetCursor, type CursorHolder, type Failure, type Result } from '@tss/service-kit';

/** A ticket's thread (keyed by each message's `position`) or its history (by each entry's `id`). */
export type TicketLogKind = 'thread' | 'history';

const CURSORS = { thread: keysetCursor('thread', 'thread'), history: keysetCursor('history', 'history') } as const;

/** Where a page of one ticket's thread or history ended: the next starts after `after`. Bound to that ticket and its reader (docs/adr/0027). */
export const encodeTicketLogCursor = (kind: TicketLogKind, holder: CursorHolder, ticketId: string, after: string): string =>
  CURSORS[kind].encode(holder, { ticketId }, [after]);

/** The position a cursor names, or the 400 for a cursor of another ticket, of the other log, of another reader, or not ours. */
export const decodeTicketLogCursor = (kind: TicketLogKind, cursor: string, holder: CursorHolder, ticketId: string): Result<string, Failure> =>
  // Both keys are bigserials: a position past bigint's range is no cursor of ours, not a query PostgreSQL refuses.
  cursorPosition(CURSORS[kind].decode(cursor, holder, { ticketId }), ([after, ...rest]) => (rest.length === 0 ? cursorSerial(after) : undefined));
