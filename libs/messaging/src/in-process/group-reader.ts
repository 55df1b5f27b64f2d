import type { Logger } from 'pino';
import { timerDelayMs } from '@tss/service-kit';
import { fromKafkaMessage } from '../kafka/cloud-event-binding';
import { carriesInTransitData } from '../outbox/in-transit-data';
import type { InboundMessage, SubscribeOptions } from '../transport';
import type { EventLog, LoggedEntry } from './event-log';

export interface GroupReaderOptions extends SubscribeOptions {
  log: EventLog;
  /** Fallback wake-up: publishes in this process wake the reader at once. */
  pollIntervalMs: number;
  maxBackoffMs: number;
  batchSize: number;
  /**
   * After a read that found messages but not a full batch, how long to let more arrive before the
   * next read, so a busy group handles them in batches (issue #8). An idle group reads at once.
   */
  lingerMs: number;
  logger?: Logger;
  /**
   * After a commit: the committed entries whose data carries something in transit only, for the
   * log to scrub once every group reading their topic has them (P9, docs/adr/0070).
   */
  onCommitted?: (entries: readonly { offset: string; topic: string }[]) => Promise<void>;
}

export const toInbound = (entry: LoggedEntry): InboundMessage => {
  const decoded = fromKafkaMessage(entry.headers, entry.value);
  return {
    topic: entry.topic,
    key: entry.key,
    event: decoded.event,
    decodeError: decoded.error,
    raw: { value: entry.value, headers: entry.headers },
    position: `${entry.topic}@${entry.offset}`,
  };
};

/**
 * One consumer group reading the log from its committed offset, in log order (a Kafka partition's
 * promise): one message at a time to `handle`, or each read as one batch to `handleBatch`. An offset is committed only once `handle` resolved for it
 * and everything before it; a rejection, or a database away, redelivers from the first message
 * not committed, after a backoff.
 */
export class GroupReader {
  private running = true;
  private woken = false;
  private wakeUp?: () => void;
  private readonly done: Promise<void>;

  constructor(private readonly options: GroupReaderOptions) {
    this.done = this.loop();
  }

  /** New entries were appended: read now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Lets the message in hand finish, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.done;
  }

  private async loop(): Promise<void> {
    const { log, group, topics, handle, handleBatch, batchSize } = this.options;
    let offset: string | undefined;
    let failures = 0;
    /**
     * The last batch's offset, not committed yet: the next read commits it in its own statement
     * (one round trip per batch fewer, issue #15), and the reader reads again at once after a
     * batch (after its linger at most). Stopping commits it; a crash before redelivers the batch,
     * which the inboxes absorb, as a crash before a commit always did.
     */
    let pending: { upTo: string; batch: readonly LoggedEntry[] } | undefined;
    while (this.running) {
      this.woken = false;
      try {
        offset ??= await log.committedOffset(group);
        const carried = pending;
        const batch = await log.read(topics, offset, batchSize, carried ? { group, offset: carried.upTo } : undefined);
        pending = undefined;
        if (carried) await this.committed(carried.batch, carried.upTo);
        if (batch.length === 0) {
          await this.sleep(this.options.pollIntervalMs);
          continue;
        }
        // One offset commit per batch, or up to the message that failed: a crash before it
        // redelivers what was handled since, which the inboxes absorb.
        let handledUpTo: string | undefined;
        try {
          if (handleBatch) {
            await handleBatch(batch.map(toInbound), {
              handled: (count) => {
                if (count > 0) handledUpTo = batch[count - 1].offset;
              },
              isRunning: () => this.running,
              heartbeat: async () => undefined,
            });
          } else {
            for (const entry of batch) {
              if (!this.running) break;
              await handle(toInbound(entry));
              handledUpTo = entry.offset;
            }
          }
        } finally {
          if (handledUpTo !== undefined) {
            pending = { upTo: handledUpTo, batch };
            offset = handledUpTo;
          }
        }
        failures = 0;
        if (batch.length < batchSize && this.options.lingerMs > 0) await this.sleep(this.options.lingerMs, { ignoreWake: true });
      } catch (error) {
        failures += 1;
        // Read on from what is committed, or handled and to be committed with the next read: the
        // message that failed comes again.
        offset = pending?.upTo;
        this.options.logger?.warn({ err: error, group, failures }, 'in-process delivery failed; redelivering');
        await this.sleep(Math.min(this.options.maxBackoffMs, 50 * 2 ** Math.min(failures, 10)), { ignoreWake: true });
      }
    }
    if (pending) await this.commitOnStop(pending);
  }

  /** The last batch's offset, at stop; the database away, it is left to the redelivery the inboxes absorb. */
  private async commitOnStop({ upTo, batch }: { upTo: string; batch: readonly LoggedEntry[] }): Promise<void> {
    try {
      await this.options.log.commit(this.options.group, upTo);
      await this.committed(batch, upTo);
    } catch (error) {
      this.options.logger?.warn({ err: error, group: this.options.group }, 'in-process offset not committed at stop; its batch comes again at the next start');
    }
  }

  private async committed(batch: readonly LoggedEntry[], upTo: string): Promise<void> {
    if (!this.options.onCommitted) return;
    const last = BigInt(upTo);
    const inTransit = batch.filter((entry) => BigInt(entry.offset) <= last && carriesInTransitData(toInbound(entry).event));
    if (inTransit.length > 0) await this.options.onCommitted(inTransit.map(({ offset, topic }) => ({ offset, topic })));
  }

  private sleep(ms: number, { ignoreWake = false } = {}): Promise<void> {
    if (!this.running || (this.woken && !ignoreWake)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timerDelayMs(ms));
      const wakeUp = () => {
        if (ignoreWake && this.running) return;
        done();
      };
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = wakeUp;
    });
  }
}
