import { cursorInstant, cursorPosition, cursorUuid, keysetCursor, type CursorHolder, type Failure, type Result } from '@tss/service-kit';

/** Where a page of an endpoint's delivery log ended (newest first): its last delivery's sort keys. */
export interface DeliveryLogPosition {
  createdAt: Date;
  id: string;
}

const cursors = keysetCursor('webhook-deliveries', 'delivery log');

/** A cursor for the page after `last`, bound to its reader, the endpoint and the status filter the page was read with. */
export const encodeDeliveryCursor = (last: DeliveryLogPosition, holder: CursorHolder, filters: { endpointId: string; status?: string }): string =>
  cursors.encode(holder, filters, [last.createdAt.toISOString(), last.id]);

export const decodeDeliveryCursor = (cursor: string, holder: CursorHolder, filters: { endpointId: string; status?: string }): Result<DeliveryLogPosition, Failure> =>
  cursorPosition(cursors.decode(cursor, holder, filters), ([createdAt, id, ...rest]) => {
    const position = { createdAt: cursorInstant(createdAt), id: cursorUuid(id) };
    return position.createdAt && position.id && rest.length === 0 ? { createdAt: position.createdAt, id: position.id } : undefined;
  });
