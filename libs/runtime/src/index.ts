export * from './service-module';
export * from './service-host';
export * from './platform';
export * from './deferred-key-source';
export * from './service-process';
export * from './process-config';
export * from './idempotency';
export * from './service-parts';
