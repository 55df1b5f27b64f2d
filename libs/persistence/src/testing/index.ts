export * from './test-database';
export * from './counted-statements';
export * from './explained-statements';
export * from './schema-rows';
