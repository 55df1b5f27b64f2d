import { cursorInstant, cursorPosition, cursorUuid, keysetCursor, type Failure, type Result } from '@tss/service-kit';

/** Keyset paging of the escalation list (newest first): the last item's position (docs/adr/0027). */
export interface EscalationPosition {
  raisedAt: Date;
  id: string;
}

/** The shared codec: opaque, bound to the filters the page was read with; another list's or filters' cursor is a 400. */
const cursors = keysetCursor('escalations');

export const encodeEscalationCursor = (p: EscalationPosition, filters: unknown): string => cursors.encode(filters, [p.raisedAt.toISOString(), p.id]);

/** The position, or the 400 for anything this API did not issue for these filters. */
export const decodeEscalationCursor = (cursor: string, filters: unknown): Result<EscalationPosition, Failure> =>
  cursorPosition(cursors.decode(cursor, filters), ([raisedAt, id, ...rest]) => {
    const position = { raisedAt: cursorInstant(raisedAt), id: cursorUuid(id) };
    return position.raisedAt && position.id && rest.length === 0 ? { raisedAt: position.raisedAt, id: position.id } : undefined;
  });
