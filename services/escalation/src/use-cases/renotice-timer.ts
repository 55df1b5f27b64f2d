import type { Queryable, TimerStore } from '@tss/timers';

/** The timer kind of re-notices (issue #12: an unacknowledged escalation is sent again after an interval). */
export const RENOTIFY_TIMER = 'escalation.renotify';

export const renotifyTimerId = (escalationId: string): string => `escalation:${escalationId}:renotify`;

export const scheduleRenotice = (tx: Queryable, timers: TimerStore, escalationId: string, dueAt: Date): Promise<void> =>
  timers.schedule(tx, { id: renotifyTimerId(escalationId), kind: RENOTIFY_TIMER, dueAt, payload: { escalationId } });

export const cancelRenotice = (tx: Queryable, timers: TimerStore, escalationId: string): Promise<boolean> => timers.cancel(tx, renotifyTimerId(escalationId));
