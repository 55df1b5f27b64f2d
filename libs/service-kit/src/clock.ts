/** The one source of time. Domain code takes instants as arguments; SQL receives `now` as a parameter. */
export interface Clock {
  now(): Date;
  /**
   * Only clocks that jump (a test's) have it: calls `listener` after each move, so what sleeps
   * until a time (the timer worker) looks again. Returns the unsubscribe function.
   */
  onMove?(listener: () => void): () => void;
}

export const systemClock: Clock = {
  // The only place in the platform that reads the wall clock.
  now: () => new Date(),
};
