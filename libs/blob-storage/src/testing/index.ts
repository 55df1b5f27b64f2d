export * from './attachment-fixtures';
export * from './blob-storage-contract';
export * from './moto-server';
