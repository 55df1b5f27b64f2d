export * from './single-process-platform';
export * from './single-process.config';
