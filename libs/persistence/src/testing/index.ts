export * from './test-database';
export * from './counted-statements';
