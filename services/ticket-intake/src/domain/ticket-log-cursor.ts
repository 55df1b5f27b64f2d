import { cursorPosition, cursorSerial, keysetCursor, type Failure, type Result } from '@tss/service-kit';

/** A ticket's thread (keyed by each message's `position`) or its history (by each entry's `id`). */
export type TicketLogKind = 'thread' | 'history';

const CURSORS = { thread: keysetCursor('thread', 'thread'), history: keysetCursor('history', 'history') } as const;

/** Where a page of one ticket's thread or history ended: the next starts after `after`. Bound to that ticket (docs/adr/0027). */
export const encodeTicketLogCursor = (kind: TicketLogKind, ticketId: string, after: string): string => CURSORS[kind].encode({ ticketId }, [after]);

/** The position a cursor names, or the 400 for a cursor of another ticket, of the other log, or not ours. */
export const decodeTicketLogCursor = (kind: TicketLogKind, cursor: string, ticketId: string): Result<string, Failure> =>
  // Both keys are bigserials: a position past bigint's range is no cursor of ours, not a query PostgreSQL refuses.
  cursorPosition(CURSORS[kind].decode(cursor, { ticketId }), ([after, ...rest]) => (rest.length === 0 ? cursorSerial(after) : undefined));
