import { decodeTicketListCursor } from '../../src/domain/ticket-cursor';
import { decodeTicketLogCursor, encodeTicketLogCursor } from '../../src/domain/ticket-log-cursor';

const ticketId = '3f0c2a4e-8b1d-4c6e-9a2f-1b2c3d4e5f60';
const reader = { kind: 'partner' as const, partnerId: '5b1c2a4e-8b1d-4c6e-9a2f-1b2c3d4e5f61' };

describe('thread and history cursors (docs/adr/0027)', () => {
  it('a cursor decodes to the position it was issued after, in its own ticket’s thread or history', () => {
    expect(decodeTicketLogCursor('thread', encodeTicketLogCursor('thread', reader, ticketId, '9007199254740993'), reader, ticketId)).toEqual({ ok: true, value: '9007199254740993' });
    expect(decodeTicketLogCursor('history', encodeTicketLogCursor('history', reader, ticketId, '42'), reader, ticketId)).toEqual({ ok: true, value: '42' });
  });

  it('another ticket’s cursor, the other log’s, another reader’s, or the ticket list’s is a 400 naming the cursor', () => {
    const thread = encodeTicketLogCursor('thread', reader, ticketId, '7');
    const otherTicket = decodeTicketLogCursor('thread', thread, reader, '00000000-0000-4000-8000-000000000000');
    expect(otherTicket).toMatchObject({ ok: false, error: { kind: 'bad_request', detail: 'cursor: issued for other filters; start again without it' } });
    expect(decodeTicketLogCursor('history', thread, reader, ticketId)).toMatchObject({ ok: false, error: { kind: 'bad_request', detail: 'cursor: not a cursor of this history' } });
    expect(decodeTicketListCursor(thread, reader, { ticketId }).ok).toBe(false);
    // A staff member's thread cursor (its position may be an internal note's) is not the partner's, nor the other way round.
    expect(decodeTicketLogCursor('thread', thread, { kind: 'staff', staffId: 'agent-1' }, ticketId).ok).toBe(false);
    expect(decodeTicketLogCursor('thread', 'not-a-cursor', reader, ticketId).ok).toBe(false);
  });

  it('only a position PostgreSQL could have handed out decodes', () => {
    for (const after of ['0', '-1', '1.5', '12345678901234567890', '9223372036854775808', '9999999999999999999', 'x']) {
      expect(decodeTicketLogCursor('thread', encodeTicketLogCursor('thread', reader, ticketId, after), reader, ticketId).ok).toBe(false);
    }
  });
});
