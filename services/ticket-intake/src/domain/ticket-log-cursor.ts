import { cursorPosition, keysetCursor, type Failure, type Result } from '@tss/service-kit';

/** A ticket's thread (keyed by each message's `position`) or its history (by each entry's `id`). */
export type TicketLogKind = 'thread' | 'history';

const CURSORS = { thread: keysetCursor('thread', 'thread'), history: keysetCursor('history', 'history') } as const;
// A bigserial as PostgreSQL prints it: positive, at most 19 digits.
const SERIAL = /^[1-9]\d{0,18}$/;

/** Where a page of one ticket's thread or history ended: the next starts after `after`. Bound to that ticket (docs/adr/0027). */
export const encodeTicketLogCursor = (kind: TicketLogKind, ticketId: string, after: string): string => CURSORS[kind].encode({ ticketId }, [after]);

/** The position a cursor names, or the 400 for a cursor of another ticket, of the other log, or not ours. */
export const decodeTicketLogCursor = (kind: TicketLogKind, cursor: string, ticketId: string): Result<string, Failure> =>
  cursorPosition(CURSORS[kind].decode(cursor, { ticketId }), ([after, ...rest]) => (typeof after === 'string' && SERIAL.test(after) && rest.length === 0 ? after : undefined));
