import { MAX_RESPONSE_MS, type ServiceLevel } from '@tss/contracts';

export type ClockStatus = 'running' | 'met' | 'breached' | 'cancelled';

export interface ResponseClock {
  level: ServiceLevel;
  startedAt: Date;
  dueAt: Date;
}

const addMs = (at: Date, ms: number): Date => new Date(at.getTime() + ms);

/** P5: a response is owed within the level's maximum, in calendar time, 24/7. */
export const startClock = (level: ServiceLevel, startedAt: Date): ResponseClock => ({
  level,
  startedAt,
  dueAt: addMs(startedAt, MAX_RESPONSE_MS[level]),
});

/** P5: reclassifying re-targets the running clock from its original start, not from now. */
export const reclassify = (clock: ResponseClock, level: ServiceLevel): ResponseClock => startClock(level, clock.startedAt);
