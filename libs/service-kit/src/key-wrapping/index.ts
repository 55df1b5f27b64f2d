export * from './key-wrapper';
export * from './local-key-wrapper';
export * from './master-keys-at-start';
