export * from './platform-client';
export * from './service-under-test';
export * from './older-release';
export * from './entry-point';
export * from './handle-as-batch';
