import type { EntityManager } from 'typeorm';

/**
 * A read made once per transaction. A consumer handles a batch of events in one transaction and
 * calls each handler with the same `tx`: configuration that every handler reads (the escalation
 * rules, a partner's SLA policy, a partner's webhook endpoints) is then read once per batch, not
 * once per event (docs/performance.md, "Statements per ticket"). Each transaction has its own
 * EntityManager, so what is remembered ends with it; a retried transaction reads again.
 *
 * Only for reads the transaction does not change itself: a write in the same transaction is not
 * seen by a later `read` of the same key unless `forget` is called.
 */
export interface TransactionMemo<K, V> {
  read(tx: EntityManager, key: K, load: () => Promise<V>): Promise<V>;
  forget(tx: EntityManager, key: K): void;
}

export const transactionMemo = <K, V>(): TransactionMemo<K, V> => {
  const byTransaction = new WeakMap<EntityManager, Map<K, Promise<V>>>();
  return {
    read(tx, key, load) {
      const memo = byTransaction.get(tx) ?? new Map<K, Promise<V>>();
      byTransaction.set(tx, memo);
      let value = memo.get(key);
      if (!value) {
        value = load();
        memo.set(key, value);
        // A failed read is not remembered: the statement's error aborts the transaction anyway,
        // and a caller that caught it must not get the stale rejection on its next read.
        value.catch(() => {
          if (memo.get(key) === value) memo.delete(key);
        });
      }
      return value;
    },
    forget(tx, key) {
      byTransaction.get(tx)?.delete(key);
    },
  };
};
