/** The longest delay Node's timers take: a longer one fires after 1 ms, with a TimeoutOverflowWarning. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * A delay as a timer can wait it: at most MAX_TIMER_DELAY_MS (24.8 days), never negative. The
 * settings' schemas bound every duration already (docs/adr/0015, addendum of 2026-12-05, fourth
 * session); the schedulers clamp too, so a value from elsewhere (a test, a tool) cannot turn a
 * wait into a loop.
 */
export const timerDelayMs = (ms: number): number => (ms > 0 ? Math.min(ms, MAX_TIMER_DELAY_MS) : 0);
