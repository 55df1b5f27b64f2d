import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { err, isConnectionFailure, ok, type Clock, type Result } from '@tss/service-kit';
import type { PassOver } from '../consumer/pass-over';
import type { UnitOfWork } from '../outbox/unit-of-work';
import type { InboundMessage } from '../transport';
import { toInboundMessage, type DeadLetterRow, type DeadLetterStatus, type DeadLetterStore } from './dead-letter.store';

/** The one thing the operator needs from the consumer: apply a message once, in a given transaction. */
export interface MessageApplier {
  applyOnce(tx: EntityManager, message: InboundMessage, options?: { passOver?: PassOver }): Promise<Result<string, string>>;
}

export type DeadLetterError =
  | { kind: 'not_found'; detail: string }
  | { kind: 'not_parked'; detail: string }
  | { kind: 'not_first'; detail: string }
  | { kind: 'still_failing'; detail: string }
  /** `--pass-over` of a letter that applies without going past anything: refused, rolled back, left parked. */
  | { kind: 'nothing_to_pass_over'; detail: string };

export interface Settled {
  id: string;
  status: Exclude<DeadLetterStatus, 'parked'>;
  /** Events of the same key that were parked behind it and are now applied, in order. */
  released: number;
  /** A parked entry of the key that could not be released (it failed, or is itself a dead letter). */
  blockedBy?: string;
  /** With `--pass-over`: what the consumer went past to apply it, in its own words. */
  passedOver?: string[];
}

/** The replay applied without the handler saying it passed anything: its transaction is rolled back. */
class NothingPassedOver extends Error {
  override name = 'NothingPassedOver';
}

/**
 * What an operator does with a dead letter: replay it (apply it now) or skip it (never apply it);
 * either way the events of its key parked behind it are then released in the order they came,
 * until the key has nothing parked or one of them fails and becomes the key's dead letter.
 * A replay may carry a leave to pass over what the event waits for (`PassOver`); the events
 * released after it never do.
 */
export class DeadLetterOperator {
  constructor(
    private readonly deps: {
      consumer: MessageApplier;
      store: DeadLetterStore;
      unitOfWork: UnitOfWork;
      clock: Clock;
      group: string;
      /** Where a replay that passed over something says so. */
      logger?: Pick<Logger, 'warn'>;
    },
  ) {}

  list(status?: DeadLetterStatus): Promise<DeadLetterRow[]> {
    return this.deps.unitOfWork.run((tx) => this.deps.store.list(tx, this.deps.group, { status, limit: 500 }));
  }

  /**
   * `passOver`: the operator lets the consumer go past what the event waits for (docs/adr/0072,
   * addendum of 2026-12-05, seventh session); refused when it applies without passing anything.
   */
  async replay(id: string, { passOver = false }: { passOver?: boolean } = {}): Promise<Result<Settled, DeadLetterError>> {
    return this.settleAndRelease(id, 'replayed', passOver);
  }

  async skip(id: string): Promise<Result<Settled, DeadLetterError>> {
    return this.settleAndRelease(id, 'skipped', false);
  }

  private async settleAndRelease(id: string, status: 'replayed' | 'skipped', passOver: boolean): Promise<Result<Settled, DeadLetterError>> {
    const settled = await this.settle(id, status, passOver);
    if (!settled.ok) return settled;
    const { row, passedOver } = settled.value;
    const said = passedOver.length > 0 ? { passedOver } : {};
    const key = row.message_key;
    if (key === null) return ok({ id, status, released: 0, ...said });
    let released = 0;
    for (;;) {
      const next = await this.deps.unitOfWork.run((tx) => this.deps.store.firstParked(tx, this.deps.group, key));
      if (!next) return ok({ id, status, released, ...said });
      if (next.kind === 'failed') return ok({ id, status, released, blockedBy: next.id, ...said });
      // Released events apply as they are: a gap one of them waits for is not passed over, it becomes the key's dead letter.
      const applied = await this.settle(next.id, 'replayed', false);
      if (!applied.ok) return ok({ id, status, released, blockedBy: next.id, ...said });
      released += 1;
    }
  }

  /** Replays or skips one parked entry, under its key's lock, only if nothing of its key is parked before it. */
  private async settle(id: string, status: 'replayed' | 'skipped', passOver: boolean): Promise<Result<{ row: DeadLetterRow; passedOver: string[] }, DeadLetterError>> {
    const { store, group, clock, consumer, unitOfWork, logger } = this.deps;
    let outcome: Result<{ row: DeadLetterRow; passedOver: string[] }, DeadLetterError>;
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
        // Collected per attempt: a transaction run again (a deadlock) hears the handler again.
        const passedOver: string[] = [];
        if (status === 'replayed') {
          const leave: PassOver | undefined = passOver ? { passed: (what) => void passedOver.push(what) } : undefined;
          const applied = await consumer.applyOnce(tx, toInboundMessage(row), leave ? { passOver: leave } : {});
          if (!applied.ok) return err({ kind: 'still_failing' as const, detail: applied.error });
          if (passOver && passedOver.length === 0) throw new NothingPassedOver(`dead letter ${id} applies without passing over anything; replay it without --pass-over`);
        }
        await store.resolve(tx, id, status, clock.now());
        return ok({ row, passedOver });
      });
    } catch (error) {
      if (isConnectionFailure(error)) throw error;
      if (error instanceof NothingPassedOver) return err({ kind: 'nothing_to_pass_over', detail: error.message });
      outcome = err({ kind: 'still_failing', detail: error instanceof Error ? error.message : String(error) });
    }
    if (!outcome.ok && outcome.error.kind === 'still_failing') {
      const reason = outcome.error.detail;
      await unitOfWork.run((tx) => store.markFailed(tx, id, reason));
    }
    if (outcome.ok && outcome.value.passedOver.length > 0) {
      const { row, passedOver } = outcome.value;
      // Said once the replay committed: what an operator let through is never silent.
      logger?.warn(
        { deadLetter: id, group, key: row.message_key, eventId: row.event_id, eventType: row.event_type, passedOver },
        'dead letter replayed passing over what it waited for (dead-letters replay --pass-over)',
      );
    }
    return outcome;
  }
}
