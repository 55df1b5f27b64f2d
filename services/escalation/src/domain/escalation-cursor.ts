import { cursorInstant, cursorPosition, cursorUuid, keysetCursor, type CursorHolder, type Failure, type Result } from '@tss/service-kit';

/** Keyset paging of the escalation list (newest first): the last item's position (docs/adr/0027). */
export interface EscalationPosition {
  raisedAt: Date;
  id: string;
}

/** The shared codec: opaque, bound to the caller and the filters the page was read with; another list's, caller's or filters' cursor is a 400. */
const cursors = keysetCursor('escalations');

export const encodeEscalationCursor = (p: EscalationPosition, holder: CursorHolder, filters: unknown): string =>
  cursors.encode(holder, filters, [p.raisedAt.toISOString(), p.id]);

/** The position, or the 400 for anything this API did not issue for these filters. */
export const decodeEscalationCursor = (cursor: string, holder: CursorHolder, filters: unknown): Result<EscalationPosition, Failure> =>
  cursorPosition(cursors.decode(cursor, holder, filters), ([raisedAt, id, ...rest]) => {
    const position = { raisedAt: cursorInstant(raisedAt), id: cursorUuid(id) };
    return position.raisedAt && position.id && rest.length === 0 ? { raisedAt: position.raisedAt, id: position.id } : undefined;
  });
