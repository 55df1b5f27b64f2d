import { createHash } from 'node:crypto';
import { decodeQueueCursor, decodeTicketListCursor, encodeQueueCursor, encodeTicketListCursor } from '../../src/domain/ticket-cursor';

const position = { receivedAt: new Date('2026-03-01T09:00:00.123Z'), id: '3f0c2a4e-8b1d-4c6e-9a2f-1b2c3d4e5f60' };
const filters = { status: ['open'], q: 'epub' };
const acme = { kind: 'partner' as const, partnerId: '5b1c2a4e-8b1d-4c6e-9a2f-1b2c3d4e5f61' };
const agent = { kind: 'staff' as const, staffId: 'agent-1' };

describe('ticket list and queue cursors', () => {
  it('a cursor decodes to the position it was issued for', () => {
    const cursor = encodeTicketListCursor(position, acme, filters);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodeTicketListCursor(cursor, acme, { q: 'epub', status: ['open'] })).toEqual({ ok: true, value: position });
  });

  it('an altered cursor is a 400 naming the cursor', () => {
    const cursor = encodeTicketListCursor(position, acme, filters);
    const [body, check] = cursor.split('.');
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString().replace('09:00', '08:00')).toString('base64url');
    for (const bad of [`${forged}.${check}`, `${body}.${check.slice(1)}`, body, `${cursor}.x`, 'not-a-cursor', '']) {
      const decoded = decodeTicketListCursor(bad, acme, filters);
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) {
        expect(decoded.error.kind).toBe('bad_request');
        expect(decoded.error.detail).toMatch(/^cursor: /);
        expect(decoded.error.extensions).toEqual({ errors: [expect.objectContaining({ in: 'querystring', pointer: '/cursor' })] });
      }
    }
  });

  it('a cursor issued for other filters, or for the queue, is refused', () => {
    const listCursor = encodeTicketListCursor(position, acme, filters);
    const otherFilters = decodeTicketListCursor(listCursor, acme, { status: ['new'], q: 'epub' });
    expect(otherFilters.ok).toBe(false);
    if (!otherFilters.ok) expect(otherFilters.error.detail).toContain('other filters');
    expect(decodeQueueCursor(listCursor, agent, filters).ok).toBe(false);
  });

  it('a cursor issued to another caller is refused: another partner, a requester of the partner, another staff member (docs/adr/0027)', () => {
    const cursor = encodeTicketListCursor(position, acme, filters);
    const requester = { kind: 'requester' as const, partnerId: acme.partnerId, requesterId: 'cust-ann' };
    for (const other of [{ kind: 'partner' as const, partnerId: '00000000-0000-4000-8000-000000000000' }, requester, agent]) {
      expect(decodeTicketListCursor(cursor, other, filters)).toMatchObject({ ok: false, error: { kind: 'bad_request', detail: 'cursor: issued to another caller; start again without it' } });
    }
    const staffCursor = encodeQueueCursor({ rank: 0, dueAt: position.receivedAt, ...position }, agent, {});
    expect(decodeQueueCursor(staffCursor, { kind: 'staff', staffId: 'agent-2' }, {}).ok).toBe(false);
    // Only the caller's identity counts: a staff member's roles may change between pages, a requester's address too.
    expect(decodeQueueCursor(staffCursor, { ...agent, roles: ['team_lead'] } as typeof agent, {}).ok).toBe(true);
    const own = encodeTicketListCursor(position, requester, filters);
    expect(decodeTicketListCursor(own, { ...requester, email: 'ann@example.com' } as typeof requester, filters).ok).toBe(true);
  });

  it('a cursor issued before cursors named their caller is refused, saying so', () => {
    const [body] = encodeTicketListCursor(position, acme, filters).split('.');
    const { c: _caller, ...older } = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const olderBody = Buffer.from(JSON.stringify(older)).toString('base64url');
    const check = createHash('sha256').update(`tss-cursor:${olderBody}`).digest('base64url').slice(0, 16);
    expect(decodeTicketListCursor(`${olderBody}.${check}`, acme, filters)).toMatchObject({ ok: false, error: { detail: 'cursor: issued by an earlier release; start again without it' } });
  });

  it('a queue cursor round-trips its four sort keys', () => {
    const queuePosition = { rank: 0 as const, dueAt: new Date('2026-03-01T15:00:00.000Z'), ...position };
    expect(decodeQueueCursor(encodeQueueCursor(queuePosition, agent, { assignee: 'none' }), agent, { assignee: 'none' })).toEqual({ ok: true, value: queuePosition });
    expect(decodeTicketListCursor(encodeQueueCursor(queuePosition, agent, {}), agent, {}).ok).toBe(false);
  });

  it('an open-view cursor past the tickets that owe keeps that it owes nothing; one of four keys still decodes', () => {
    const owesNothing = { owesNothing: true as const, rank: 1 as const, dueAt: new Date('2026-03-01T15:00:00.000Z'), ...position };
    const filters = { assignee: 'none', view: 'open' };
    expect(decodeQueueCursor(encodeQueueCursor(owesNothing, agent, filters), agent, filters)).toEqual({ ok: true, value: owesNothing });
    const { owesNothing: _, ...owing } = owesNothing;
    expect(decodeQueueCursor(encodeQueueCursor(owing, agent, filters), agent, filters)).toEqual({ ok: true, value: owing });
  });
});
