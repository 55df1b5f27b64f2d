/**
 * An operator's leave to apply an event over what it waits for: `dead-letters replay <id>
 * --pass-over` (docs/adr/0072, addendum of 2026-12-05, seventh session). Given to a handler on that
 * replay only, never on a delivery, so nothing else ever goes past what an event waits for. A
 * consumer that knows how to go past it (sla-timer: sequence numbers of a ticket that will never
 * come) may do so instead of answering `NotYet`, and must say with `passed` what it went past. The
 * operator prints and logs what was said once the replay has committed, and refuses the replay (its
 * transaction rolled back) when nothing was: that event applies as it is, by a plain replay.
 */
export interface PassOver {
  /** What the handler went past, in words an operator reads (`sequence 3 of ticket …`). */
  passed(what: string): void;
}
