export * from './idempotency-rules';
export * from './idempotency.migration';
export * from './idempotency.store';
export * from './idempotency.plugin';
export * from './idempotency-pruner';
export * from './with-idempotency';
