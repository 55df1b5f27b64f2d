/** The one source of time. Domain code takes instants as arguments; SQL receives `now` as a parameter. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  // The only place in the platform that reads the wall clock.
  now: () => new Date(),
};
