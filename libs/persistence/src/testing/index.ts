export * from './test-database';
export * from './postgres-process';
