import type { BatchHandler, BatchProgress, InboundMessage } from '../transport';

/** At most this many messages of one fetch's partitions are handled as one batch (docs/adr/0087). */
export const DEFAULT_MERGE_LIMIT = 100;

/** Partition batches handled at the same time when they are not merged: kafkajs's `partitionsConsumedConcurrently` as it was. */
export const DEFAULT_SEPARATE_CONCURRENCY = 3;

/** One partition's batch, as kafkajs handed it to `eachBatch`, while it waits for its turn. */
interface Part {
  readonly messages: readonly InboundMessage[];
  readonly progress: BatchProgress;
  /** Messages of this part reported handled so far. */
  handled: number;
  /** Its next message handed a retry's wait to the transport: the partition is paused, and the rest comes again after it. */
  waiting: boolean;
  /** How the batch handler ended for this part, once it has. */
  failed?: { error: unknown };
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface FetchBatchesOptions {
  /** Merged batches hold at most this many messages; larger fetches go partition by partition. */
  mergeLimit?: number;
  /** Partitions handled at the same time when they go one by one. */
  separateConcurrency?: number;
  /**
   * Commits the consumer group's handled offsets, every partition's in one request: called once
   * for each gathered set of batches, after the batch handler and before their parts settle, also
   * when the handler failed (what it reported handled stays handled). Absent: nothing is committed
   * here (kafkajs's auto-commit does it after each partition).
   */
  commit?: () => Promise<void>;
}

/**
 * The partition batches of one fetch, handled as one batch (docs/adr/0087).
 *
 * kafkajs fetches every assigned partition in one request and hands each partition's messages to
 * `eachBatch` separately, one worker each; it fetches again once all are done. A consumer that
 * reads three topics of three partitions each ran up to nine transactions a fetch, and committed
 * its offsets after each. At a steady rate each held one or two events, and a consumer's cost went
 * with its batches more than with its events (docs/performance.md). Here the batches that arrive
 * together (the workers start in one turn of the event loop) are gathered until the next turn and,
 * while they hold at most `mergeLimit` messages, given to the batch handler as one batch: the
 * partitions one after the other, each in its order. A key lives in one partition of a topic, so
 * each key's order holds.
 *
 * Each partition still answers for its own messages. The merged batch's progress is reported to
 * each part: its offsets are resolved as far as its messages are handled. A retry's wait
 * (`retryLater`) pauses the partition of the message that waits. What the merged batch left (it
 * stopped at that wait, or a partition was taken away from this member) goes on partition by
 * partition, each as before this change. A failure of the batch handler (the database is gone) is
 * each part's failure: everything after what was reported handled is delivered again.
 */
export class FetchBatches {
  private gathered: Part[] = [];
  private scheduled = false;
  private readonly mergeLimit: number;
  private readonly separateConcurrency: number;
  private readonly commit?: () => Promise<void>;

  constructor(
    private readonly handleBatch: BatchHandler,
    options: FetchBatchesOptions = {},
  ) {
    this.mergeLimit = options.mergeLimit ?? DEFAULT_MERGE_LIMIT;
    this.separateConcurrency = Math.max(1, options.separateConcurrency ?? DEFAULT_SEPARATE_CONCURRENCY);
    this.commit = options.commit;
  }

  /** Handles one partition's batch, with the others of its fetch; resolves when this partition's part is done. */
  handle(messages: readonly InboundMessage[], progress: BatchProgress): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.gathered.push({ messages, progress, handled: 0, waiting: false, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const parts = this.gathered;
        this.gathered = [];
        // `run` settles every part itself; this is for a fault of its own, which must not leave kafkajs waiting.
        this.run(parts).catch((error: unknown) => {
          for (const part of parts) part.reject(error);
        });
      });
    });
  }

  private async run(parts: Part[]): Promise<void> {
    const total = parts.reduce((sum, part) => sum + part.messages.length, 0);
    const mergedFailed = parts.length > 1 && total <= this.mergeLimit ? await this.merged(parts) : undefined;
    if (mergedFailed) for (const part of parts) part.failed = mergedFailed;
    else await this.separately(parts);
    // One commit for all the parts' offsets, whatever their outcome: kafkajs commits what was
    // resolved after a failure too.
    let commitFailed: { error: unknown } | undefined;
    try {
      await this.commit?.();
    } catch (error) {
      commitFailed = { error };
    }
    for (const part of parts) {
      const failed = part.failed ?? commitFailed;
      if (failed) part.reject(failed.error);
      else part.resolve();
    }
  }

  /** The parts as one batch; how the batch handler failed, if it did. */
  private async merged(parts: readonly Part[]): Promise<{ error: unknown } | undefined> {
    try {
      await this.handleBatch(
        parts.flatMap((part) => part.messages),
        mergedProgress(parts),
      );
      return undefined;
    } catch (error) {
      return { error };
    }
  }

  /** Each part's rest in its own batch, at most `separateConcurrency` at a time. */
  private async separately(parts: Part[]): Promise<void> {
    const queue = [...parts];
    const worker = async (): Promise<void> => {
      for (let part = queue.shift(); part; part = queue.shift()) await this.rest(part);
    };
    await Promise.all(Array.from({ length: Math.min(this.separateConcurrency, queue.length) }, worker));
  }

  /** A part's messages from where the merged batch left them (all of them when it was not merged); records a failure on the part. */
  private async rest(part: Part): Promise<void> {
    const { progress, messages } = part;
    const from = part.handled;
    if (part.waiting || from >= messages.length || !progress.isRunning()) return;
    try {
      if (from === 0) await this.handleBatch(messages, progress);
      else await this.handleBatch(messages.slice(from), { ...progress, handled: (count) => progress.handled(from + count) });
    } catch (error) {
      part.failed = { error };
    }
  }
}

/**
 * The progress of a merged batch, told to its parts: `handled(count)` of the merged batch resolves
 * each part as far as its messages are within the first `count`; a retry's wait is the wait of the
 * part whose message comes next.
 */
const mergedProgress = (parts: readonly Part[]): BatchProgress => {
  const starts: number[] = [];
  let at = 0;
  for (const part of parts) {
    starts.push(at);
    at += part.messages.length;
  }
  let handledInAll = 0;
  const progress: BatchProgress = {
    handled: (count) => {
      handledInAll = count;
      parts.forEach((part, i) => {
        const n = Math.min(Math.max(count - starts[i], 0), part.messages.length);
        if (n <= part.handled) return;
        part.handled = n;
        part.progress.handled(n);
      });
    },
    isRunning: () => parts.every((part) => part.progress.isRunning()),
    // One member, one group session: any part's heartbeat is the member's.
    heartbeat: () => parts[0].progress.heartbeat(),
  };
  if (parts.every((part) => part.progress.retryLater)) {
    progress.retryLater = (delayMs) => {
      const i = parts.findIndex((part, j) => handledInAll < starts[j] + part.messages.length);
      if (i < 0) return;
      parts[i].waiting = true;
      parts[i].progress.retryLater?.(delayMs);
    };
  }
  return progress;
};
