import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { BlobStorage } from './blob-storage';
import { FilesystemBlobStorage } from './filesystem-blob-storage';
import { S3BlobStorage } from './s3-blob-storage';

/**
 * Where attachment bytes live, as settings. Declared once, here: intake (uploads) and notification
 * (inbound mail) read and write the same storage, and a process hosting both merges one schema
 * per setting name.
 */
export const BlobStorageEnv = {
  ATTACHMENT_STORAGE: Type.Union([Type.Literal('filesystem'), Type.Literal('s3')], { default: 'filesystem', description: 'Where attachment bytes are stored' }),
  ATTACHMENT_DIR: Type.String({ minLength: 1, default: '.data/attachments', description: 'Folder of the filesystem storage; relative to the working directory' }),
  ATTACHMENT_S3_BUCKET: Type.Optional(Type.String({ minLength: 3, maxLength: 63, description: 'Bucket of the S3 storage (ATTACHMENT_STORAGE=s3)' })),
  ATTACHMENT_S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://', description: "An S3-compatible endpoint (MinIO, Ceph …); AWS's when unset" })),
  ATTACHMENT_S3_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  ATTACHMENT_S3_FORCE_PATH_STYLE: Type.Boolean({ default: false, description: 'Path-style URLs (bucket in the path), as most S3-compatible servers need' }),
  ATTACHMENT_S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  ATTACHMENT_S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1, description: "With ATTACHMENT_S3_ACCESS_KEY_ID; the SDK's default credential chain when both are unset" })),
  ATTACHMENT_S3_KEY_PREFIX: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9/-]*/$', description: 'Prefix of every object key, e.g. `tss/`' })),
};

export type BlobStorageSettings = Static<ReturnType<typeof Type.Object<typeof BlobStorageEnv>>>;

/** What a schema cannot say about these settings. */
export const blobStorageConfigProblems = (config: BlobStorageSettings): string[] => [
  ...(config.ATTACHMENT_STORAGE === 's3' && !config.ATTACHMENT_S3_BUCKET ? ['ATTACHMENT_S3_BUCKET: required when ATTACHMENT_STORAGE is s3'] : []),
  ...((config.ATTACHMENT_S3_ACCESS_KEY_ID === undefined) !== (config.ATTACHMENT_S3_SECRET_ACCESS_KEY === undefined)
    ? ['ATTACHMENT_S3_ACCESS_KEY_ID, ATTACHMENT_S3_SECRET_ACCESS_KEY: set both or neither']
    : []),
];

/** The storage the settings name. */
export const blobStorageFrom = (config: BlobStorageSettings): BlobStorage =>
  config.ATTACHMENT_STORAGE === 's3'
    ? new S3BlobStorage({
        bucket: config.ATTACHMENT_S3_BUCKET!,
        endpoint: config.ATTACHMENT_S3_ENDPOINT,
        region: config.ATTACHMENT_S3_REGION,
        forcePathStyle: config.ATTACHMENT_S3_FORCE_PATH_STYLE,
        credentials:
          config.ATTACHMENT_S3_ACCESS_KEY_ID && config.ATTACHMENT_S3_SECRET_ACCESS_KEY
            ? { accessKeyId: config.ATTACHMENT_S3_ACCESS_KEY_ID, secretAccessKey: config.ATTACHMENT_S3_SECRET_ACCESS_KEY }
            : undefined,
        keyPrefix: config.ATTACHMENT_S3_KEY_PREFIX,
      })
    : new FilesystemBlobStorage(path.resolve(config.ATTACHMENT_DIR));
