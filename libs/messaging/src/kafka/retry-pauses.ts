/**
 * A retry's wait on Kafka (docs/adr/0013, addendum of 2026-12-05, second session): its partition
 * is paused and resumed once the wait is over, instead of the batch handler sleeping in eachBatch.
 * kafkajs fetches again only when every batch of the last fetch is done, and heartbeats only
 * between batches: a handler sleeping there stops the member's other partitions (the awaited event
 * on another topic among them) and, past the session timeout, costs it its group membership.
 * After the resume kafkajs fetches the partition from its first offset not resolved: the event
 * that waited.
 */
export class RetryPauses {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Pauses the partition (`pause`, kafkajs's, answers its resume) and resumes it after `delayMs`. */
  hold(pause: () => () => void, delayMs: number): void {
    const resume = pause();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      resume();
    }, delayMs);
    // A pending resume never keeps a stopping process alive.
    timer.unref();
    this.timers.add(timer);
  }

  /** The subscription ends: no resume is left to run. */
  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
