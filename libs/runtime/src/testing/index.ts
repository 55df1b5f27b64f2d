export * from './platform-client';
export * from './service-under-test';
