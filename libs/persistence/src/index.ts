export * from './data-source';
export * from './embedded-postgres';
export * from './transaction';
export * from './postgres-binaries';
export * from './transaction-memo';
export * from './group-commit';
export * from './prepared-statements';
export * from './partner-directory';
