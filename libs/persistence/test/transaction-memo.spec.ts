import type { EntityManager } from 'typeorm';
import { transactionMemo } from '../src/transaction-memo';

// Stand-ins for two transactions' EntityManagers: the memo only keys on their identity.
const transaction = () => ({}) as EntityManager;

describe('transactionMemo', () => {
  it('reads a key once per transaction and again in the next one', async () => {
    const memo = transactionMemo<string, number>();
    let reads = 0;
    const load = async () => (reads += 1);
    const first = transaction();
    expect(await memo.read(first, 'rules', load)).toBe(1);
    expect(await memo.read(first, 'rules', load)).toBe(1);
    expect(reads).toBe(1);
    expect(await memo.read(transaction(), 'rules', load)).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps keys apart, and reads concurrent callers of one key once', async () => {
    const memo = transactionMemo<string, string>();
    const tx = transaction();
    let reads = 0;
    const load = (value: string) => async () => {
      reads += 1;
      return value;
    };
    const [a, b, c] = await Promise.all([memo.read(tx, 'partner-a', load('A')), memo.read(tx, 'partner-a', load('other')), memo.read(tx, 'partner-b', load('B'))]);
    expect([a, b, c]).toEqual(['A', 'A', 'B']);
    expect(reads).toBe(2);
  });

  it('does not remember a failed read, and forgets a key on request', async () => {
    const memo = transactionMemo<string, string>();
    const tx = transaction();
    await expect(memo.read(tx, 'k', () => Promise.reject(new Error('connection lost')))).rejects.toThrow('connection lost');
    expect(await memo.read(tx, 'k', async () => 'read again')).toBe('read again');
    memo.forget(tx, 'k');
    expect(await memo.read(tx, 'k', async () => 'after forget')).toBe('after forget');
  });
});
