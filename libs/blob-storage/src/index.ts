export * from './blob-storage';
export * from './blob-key';
export * from './filesystem-blob-storage';
export * from './s3-blob-storage';
export * from './content/sniff-content';
export * from './content/archive-policy';
export * from './content/inspect-content';
export { UnreadableArchiveError } from './content/zip-archive';
export * from './blob-storage-config';
