import { decodeQueueCursor, decodeTicketListCursor, encodeQueueCursor, encodeTicketListCursor } from '../../src/domain/ticket-cursor';

const position = { receivedAt: new Date('2026-03-01T09:00:00.123Z'), id: '3f0c2a4e-8b1d-4c6e-9a2f-1b2c3d4e5f60' };
const filters = { status: ['open'], q: 'epub' };

describe('ticket list and queue cursors', () => {
  it('a cursor decodes to the position it was issued for', () => {
    const cursor = encodeTicketListCursor(position, filters);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodeTicketListCursor(cursor, { q: 'epub', status: ['open'] })).toEqual({ ok: true, value: position });
  });

  it('an altered cursor is a 400 naming the cursor', () => {
    const cursor = encodeTicketListCursor(position, filters);
    const [body, check] = cursor.split('.');
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString().replace('09:00', '08:00')).toString('base64url');
    for (const bad of [`${forged}.${check}`, `${body}.${check.slice(1)}`, body, `${cursor}.x`, 'not-a-cursor', '']) {
      const decoded = decodeTicketListCursor(bad, filters);
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) {
        expect(decoded.error.kind).toBe('bad_request');
        expect(decoded.error.detail).toMatch(/^cursor: /);
        expect(decoded.error.extensions).toEqual({ errors: [expect.objectContaining({ in: 'querystring', pointer: '/cursor' })] });
      }
    }
  });

  it('a cursor issued for other filters, or for the queue, is refused', () => {
    const listCursor = encodeTicketListCursor(position, filters);
    const otherFilters = decodeTicketListCursor(listCursor, { status: ['new'], q: 'epub' });
    expect(otherFilters.ok).toBe(false);
    if (!otherFilters.ok) expect(otherFilters.error.detail).toContain('other filters');
    expect(decodeQueueCursor(listCursor, filters).ok).toBe(false);
  });

  it('a queue cursor round-trips its four sort keys', () => {
    const queuePosition = { rank: 0 as const, dueAt: new Date('2026-03-01T15:00:00.000Z'), ...position };
    expect(decodeQueueCursor(encodeQueueCursor(queuePosition, { assignee: 'none' }), { assignee: 'none' })).toEqual({ ok: true, value: queuePosition });
    expect(decodeTicketListCursor(encodeQueueCursor(queuePosition, {}), {}).ok).toBe(false);
  });

  it('an open-view cursor past the tickets that owe keeps that it owes nothing; one of four keys still decodes', () => {
    const owesNothing = { owesNothing: true as const, rank: 1 as const, dueAt: new Date('2026-03-01T15:00:00.000Z'), ...position };
    const filters = { assignee: 'none', view: 'open' };
    expect(decodeQueueCursor(encodeQueueCursor(owesNothing, filters), filters)).toEqual({ ok: true, value: owesNothing });
    const { owesNothing: _, ...owing } = owesNothing;
    expect(decodeQueueCursor(encodeQueueCursor(owing, filters), filters)).toEqual({ ok: true, value: owing });
  });
});
