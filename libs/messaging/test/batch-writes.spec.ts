import type { EntityManager } from 'typeorm';
import pino from 'pino';
import { TransactionWrites, type BatchFlush } from '../src/consumer/batch-writes';
import type { Outbox } from '../src/outbox/outbox';

/** docs/adr/0049: deferred writes, and the read-through a handler asks for before it reads them. */
describe('TransactionWrites', () => {
  const ctx = { tx: {} as EntityManager, outbox: {} as Outbox, now: new Date('2026-12-06T19:00:00.000Z'), logger: pino({ level: 'silent' }) };
  const calls: string[] = [];
  const rows: BatchFlush<string> = async (items) => void calls.push(`rows ${items.join(',')}`);
  const others: BatchFlush<string> = async (items) => void calls.push(`others ${items.join(',')}`);

  beforeEach(() => {
    calls.length = 0;
  });

  it('writes each flush once at the end, in the order each was first deferred to', async () => {
    const batch = new TransactionWrites(ctx);
    batch.defer(others, 'o1');
    batch.defer(rows, 'r1');
    batch.defer(others, 'o2');
    expect(calls).toEqual([]);
    await batch.flushAll();
    expect(calls).toEqual(['others o1,o2', 'rows r1']);
    expect(batch.isEmpty).toBe(true);
  });

  it('writeNow writes only that flush’s items so far; later items wait for the end, none twice', async () => {
    const batch = new TransactionWrites(ctx);
    batch.defer(rows, 'r1');
    batch.defer(others, 'o1');
    batch.defer(rows, 'r2');
    await batch.writeNow(rows);
    expect(calls).toEqual(['rows r1,r2']);

    batch.defer(rows, 'r3');
    await batch.flushAll();
    expect(calls).toEqual(['rows r1,r2', 'others o1', 'rows r3']);
  });

  it('writeNow with nothing deferred to it writes nothing', async () => {
    const batch = new TransactionWrites(ctx);
    batch.defer(others, 'o1');
    await batch.writeNow(rows);
    expect(calls).toEqual([]);
    await batch.flushAll();
    expect(calls).toEqual(['others o1']);
  });

  it('hands every flush the transaction’s context', async () => {
    const seen: unknown[] = [];
    const batch = new TransactionWrites(ctx);
    const flush: BatchFlush<number> = async (_items, given) => void seen.push(given);
    batch.defer(flush, 1);
    await batch.writeNow(flush);
    batch.defer(flush, 2);
    await batch.flushAll();
    expect(seen).toEqual([ctx, ctx]);
  });
});
