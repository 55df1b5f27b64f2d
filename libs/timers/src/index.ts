export * from './timers.migration';
export * from './timer-store';
export * from './timer-worker';
export * from './timer-metrics';
export * from './timers-notify.migration';
export * from './timers-notify-busy.migration';
export * from './timer-retention';
export * from './timers-retention.migration';
