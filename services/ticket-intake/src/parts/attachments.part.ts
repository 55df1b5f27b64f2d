import { Type } from '@sinclair/typebox';
import { BlobStorageEnv, blobStorageConfigProblems, blobStorageFrom } from '@tss/blob-storage';
import { attachmentRoutes } from '../http/attachment.routes';
import { Attachments1765000100000 } from '../store/migrations/1765000100000-attachments';
import { MailedAttachmentUploader1765602500000 } from '../store/migrations/1765602500000-mailed-attachment-uploader';
import { MaskKeptFileNames1765603300000 } from '../store/migrations/1765603300000-mask-kept-file-names';
import { AttachmentSizeEnv, err, ok } from '@tss/service-kit';
import { acceptMultipart, readUploads } from '../http/multipart-uploads';
import { linkAttachments, recordAttachments, registerMailedAttachments, stageAttachments } from '../use-cases/store-attachments';
import { defineIntakePart } from './intake-part';

const MiB = 1_048_576;

const archiveLimitsOf = (config: { ARCHIVE_MAX_ENTRIES: number; ARCHIVE_MAX_UNCOMPRESSED_BYTES: number; ARCHIVE_MAX_RATIO: number }) => ({
  maxEntries: config.ARCHIVE_MAX_ENTRIES,
  maxUncompressedBytes: config.ARCHIVE_MAX_UNCOMPRESSED_BYTES,
  maxRatio: config.ARCHIVE_MAX_RATIO,
});

/** The size limits, one setting shared with the gateway's support site, which names them (P8). */
export { AttachmentSizeEnv };

const AttachmentConfig = {
  ...BlobStorageEnv,
  ...AttachmentSizeEnv,
  ATTACHMENT_MAX_FILES: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Most files in one request, and in one inbound mail (the others are refused with a note)' }),
  ARCHIVE_MAX_ENTRIES: Type.Integer({ minimum: 1, default: 100, description: 'Most entries a ZIP or RAR attachment may hold' }),
  ARCHIVE_MAX_UNCOMPRESSED_BYTES: Type.Integer({ minimum: 1024, default: 100 * MiB, description: "Most bytes an archive's entries may add up to, uncompressed" }),
  ARCHIVE_MAX_RATIO: Type.Integer({ minimum: 2, default: 200, description: 'Highest compression ratio of an archive or an entry of 1 MiB or more (a zip bomb beyond)' }),
};

/**
 * Attachments (P8, issue #9): uploads checked by content, stored through the blob storage port
 * (a folder by default, an S3-compatible bucket in production), listed and downloaded with their
 * stored type. docs/adr/0025-attachments.md.
 */
export const attachmentsPart = defineIntakePart({
  name: 'attachments',
  config: AttachmentConfig,
  configProblems: (config) => [
    ...blobStorageConfigProblems(config),
    ...(config.ATTACHMENT_MAX_MESSAGE_BYTES < config.ATTACHMENT_MAX_FILE_BYTES
      ? ['ATTACHMENT_MAX_MESSAGE_BYTES: must be at least ATTACHMENT_MAX_FILE_BYTES']
      : []),
  ],
  migrations: [Attachments1765000100000, MailedAttachmentUploader1765602500000, MaskKeptFileNames1765603300000],
  build: (deps) => {
    const config = deps.config;
    const blobs = blobStorageFrom(config);
    const uploadLimits = { maxFileBytes: config.ATTACHMENT_MAX_FILE_BYTES, maxMessageBytes: config.ATTACHMENT_MAX_MESSAGE_BYTES, maxFiles: config.ATTACHMENT_MAX_FILES };
    // A message naming uploaded attachments links them in its own transaction (P8); a mail's files
    // are held to the upload limits.
    deps.messageHooks.push({
      linkAttachments: (tx, { ticket, messageId, attachmentIds }) => linkAttachments(tx, { ticketId: ticket.id, partnerId: ticket.partnerId, messageId, attachmentIds }),
      registerMailed: (tx, { ticket, attachments, actor, rewriteNames }) =>
        registerMailedAttachments(tx, { blobs, archiveLimits: archiveLimitsOf(config), clock: deps.clock, ...uploadLimits }, { ticket, attachments, uploadedBy: actor, rewriteNames }),
    });
    const archiveLimits = archiveLimitsOf(config);
    // The message hooks of every part (the vault's among them) mask particulars in file names (P9).
    const storeDeps = { unitOfWork: deps.unitOfWork, clock: deps.clock, blobs, archiveLimits, messageHooks: deps.messageHooks };
    // A message with its files in one multipart request (P8): read, then stored once the request
    // is known not to be a retry, and recorded and linked in the message's transaction.
    deps.messageUploads.push({
      maxFiles: uploadLimits.maxFiles,
      accept: (app) => acceptMultipart(app, uploadLimits),
      read: async (request, { fields, repeatable, required }) => {
        const form = await readUploads(request, uploadLimits, { fields, repeatable, allowNoFiles: true });
        if (!form.ok) return form;
        const missing = required.filter((name) => !form.value.fields[name]);
        if (missing.length > 0) {
          return err({
            kind: 'bad_request',
            detail: `The form lacks ${missing.join(', ')}; nothing was stored.`,
            extensions: { errors: missing.map((name) => ({ in: 'body', pointer: `/${name}`, missingProperty: name, message: `must have required property '${name}'` })) },
          });
        }
        return form;
      },
      stage: async (ticket, files, uploadedBy) => {
        const staged = await stageAttachments(storeDeps, { ticket, uploads: files, uploadedBy });
        if (!staged.ok) return staged;
        const { records, discard } = staged.value;
        return ok({
          ids: records.map((a) => a.id),
          contentHashes: records.map((a) => a.sha256),
          fileNames: records.map((a) => a.fileName),
          record: (tx, fileNames) => recordAttachments(tx, records.map((a, i) => ({ ...a, fileName: fileNames[i] ?? a.fileName }))),
          discard,
        });
      },
    });
    return {
      routes: attachmentRoutes({ dataSource: deps.dataSource, ...storeDeps, uploadLimits }),
    };
  },
});
