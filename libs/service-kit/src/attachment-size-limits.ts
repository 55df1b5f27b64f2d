import { Type } from '@sinclair/typebox';

const MiB = 1_048_576;

/**
 * P8: the attachment size limits, declared once and spread by ticket-intake, which holds every
 * upload and every mailed file to them, and by the gateway, whose support site tells the requester
 * them before they send (the reply form's hint, the 413 page). One value for both, as
 * NewTicketsPerAddressEnv (docs/adr/0025, addendum of 2026-12-05, sixth session). The edge's upload
 * body limit must take them (the single process checks it at start, the Helm chart at render).
 */
export const AttachmentSizeEnv = {
  ATTACHMENT_MAX_FILE_BYTES: Type.Integer({ minimum: 1024, default: 10 * MiB, description: 'Largest attachment (P8); larger ones get 413, and a larger mailed one is refused with a note' }),
  ATTACHMENT_MAX_MESSAGE_BYTES: Type.Integer({
    minimum: 1024,
    default: 25 * MiB,
    description: 'Most bytes of attachments in one request (413 beyond), and kept from one mail (files beyond are refused with a note)',
  }),
};

/** The limits as the code passes them around: the most bytes of one file, and of one message's files together. */
export interface AttachmentSizeLimits {
  maxFileBytes: number;
  maxMessageBytes: number;
}

export const attachmentSizeLimitsOf = (config: { ATTACHMENT_MAX_FILE_BYTES: number; ATTACHMENT_MAX_MESSAGE_BYTES: number }): AttachmentSizeLimits => ({
  maxFileBytes: config.ATTACHMENT_MAX_FILE_BYTES,
  maxMessageBytes: config.ATTACHMENT_MAX_MESSAGE_BYTES,
});
