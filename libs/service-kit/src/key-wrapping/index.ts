export * from './key-wrapper';
export * from './local-key-wrapper';
