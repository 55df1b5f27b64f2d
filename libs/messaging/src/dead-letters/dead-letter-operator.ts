import type { EntityManager } from 'typeorm';
import { err, isConnectionFailure, ok, type Clock, type Result } from '@tss/service-kit';
import type { UnitOfWork } from '../outbox/unit-of-work';
import type { InboundMessage } from '../transport';
import { toInboundMessage, type DeadLetterRow, type DeadLetterStatus, type DeadLetterStore } from './dead-letter.store';

/** The one thing the operator needs from the consumer: apply a message once, in a given transaction. */
export interface MessageApplier {
  applyOnce(tx: EntityManager, message: InboundMessage): Promise<Result<string, string>>;
}

export type DeadLetterError =
  | { kind: 'not_found'; detail: string }
  | { kind: 'not_parked'; detail: string }
  | { kind: 'not_first'; detail: string }
  | { kind: 'still_failing'; detail: string };

export interface Settled {
  id: string;
  status: Exclude<DeadLetterStatus, 'parked'>;
  /** Events of the same key that were parked behind it and are now applied, in order. */
  released: number;
  /** A parked entry of the key that could not be released (it failed, or is itself a dead letter). */
  blockedBy?: string;
}

/**
 * What an operator does with a dead letter: replay it (apply it now) or skip it (never apply it);
 * either way the events of its key parked behind it are then released in the order they came,
 * until the key has nothing parked or one of them fails and becomes the key's dead letter.
 */
export class DeadLetterOperator {
  constructor(
    private readonly deps: { consumer: MessageApplier; store: DeadLetterStore; unitOfWork: UnitOfWork; clock: Clock; group: string },
  ) {}

  list(status?: DeadLetterStatus): Promise<DeadLetterRow[]> {
    return this.deps.unitOfWork.run((tx) => this.deps.store.list(tx, this.deps.group, { status, limit: 500 }));
  }

  async replay(id: string): Promise<Result<Settled, DeadLetterError>> {
    return this.settleAndRelease(id, 'replayed');
  }

  async skip(id: string): Promise<Result<Settled, DeadLetterError>> {
    return this.settleAndRelease(id, 'skipped');
  }

  private async settleAndRelease(id: string, status: 'replayed' | 'skipped'): Promise<Result<Settled, DeadLetterError>> {
    const settled = await this.settle(id, status);
    if (!settled.ok) return settled;
    const key = settled.value.message_key;
    if (key === null) return ok({ id, status, released: 0 });
    let released = 0;
    for (;;) {
      const next = await this.deps.unitOfWork.run((tx) => this.deps.store.firstParked(tx, this.deps.group, key));
      if (!next) return ok({ id, status, released });
      if (next.kind === 'failed') return ok({ id, status, released, blockedBy: next.id });
      const applied = await this.settle(next.id, 'replayed');
      if (!applied.ok) return ok({ id, status, released, blockedBy: next.id });
      released += 1;
    }
  }

  /** Replays or skips one parked entry, under its key's lock, only if nothing of its key is parked before it. */
  private async settle(id: string, status: 'replayed' | 'skipped'): Promise<Result<DeadLetterRow, DeadLetterError>> {
    const { store, group, clock, consumer, unitOfWork } = this.deps;
    let outcome: Result<DeadLetterRow, DeadLetterError>;
    try {
      outcome = await unitOfWork.run(async (tx) => {
        const found = await store.find(tx, group, id);
        if (!found) return err({ kind: 'not_found' as const, detail: `no dead letter ${id} in group ${group}` });
        if (found.message_key !== null) await store.lockKey(tx, group, found.message_key);
        const row = (await store.find(tx, group, id))!;
        if (row.status !== 'parked') return err({ kind: 'not_parked' as const, detail: `dead letter ${id} is already ${row.status}` });
        if (row.message_key !== null) {
          const first = await store.firstParked(tx, group, row.message_key);
          if (first && first.id !== row.id) return err({ kind: 'not_first' as const, detail: `dead letter ${first.id} of the same key comes first; settle it before ${id}` });
        }
        if (status === 'replayed') {
          const applied = await consumer.applyOnce(tx, toInboundMessage(row));
          if (!applied.ok) return err({ kind: 'still_failing' as const, detail: applied.error });
        }
        await store.resolve(tx, id, status, clock.now());
        return ok(row);
      });
    } catch (error) {
      if (isConnectionFailure(error)) throw error;
      outcome = err({ kind: 'still_failing', detail: error instanceof Error ? error.message : String(error) });
    }
    if (!outcome.ok && outcome.error.kind === 'still_failing') {
      const reason = outcome.error.detail;
      await unitOfWork.run((tx) => store.markFailed(tx, id, reason));
    }
    return outcome;
  }
}
