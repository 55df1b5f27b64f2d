import { TicketIdOrReference } from './ticket.schemas';
import { Type, type Static } from '@sinclair/typebox';

export const AttachmentView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    ticketId: Type.String({ format: 'uuid' }),
    messageId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The message it is attached to; null until a message names it' }),
    fileName: Type.String({ description: 'Display name: folders and control characters removed, extension matching the content; access particulars in it moved to the vault and masked (P9)' }),
    contentType: Type.String({ description: 'Judged from the content (P8): image/jpeg, image/png, image/gif, application/zip or application/vnd.rar' }),
    size: Type.Integer({ minimum: 0, description: 'Bytes' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    uploadedBy: Type.Object({ kind: Type.String(), id: Type.String() }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Attachment' },
);
export type AttachmentView = Static<typeof AttachmentView>;

export const AttachmentList = Type.Object({ items: Type.Array(AttachmentView) }, { $id: 'AttachmentList' });

export const AttachmentParams = Type.Object({ id: TicketIdOrReference, attachmentId: Type.String({ format: 'uuid' }) });

/**
 * The upload form, as the document shows it. The parts are read as a stream by `readUploads`, so
 * validation sees the empty form the route's preValidation hook puts in the body's place.
 */
export const UploadForm = Type.Object(
  {
    file: Type.Optional(
      Type.Array(Type.Unsafe<string>({ type: 'string', format: 'binary' }), {
        description: 'One or more: JPG, GIF or PNG images; ZIP or RAR archives of those and BMP. The type is judged by the content, not the name.',
      }),
    ),
  },
  { description: 'multipart/form-data with one or more parts named `file`', examples: [{ file: ['(screenshot.png bytes)', '(screens.zip bytes)'] }] },
);

const binary = { schema: { type: 'string', format: 'binary' } } as const;

/**
 * The download: the bytes under their stored type, as the document describes them. Each header is
 * given as its schema: @fastify/swagger makes the Header object (`{ schema, description }`) of it.
 */
export const AttachmentDownload = Type.Unsafe<unknown>({
  description: 'The file',
  headers: {
    'content-disposition': { type: 'string', description: "attachment; filename=\"…\"; filename*=UTF-8''…" },
    'x-content-type-options': { type: 'string', enum: ['nosniff'] },
  },
  content: { 'image/jpeg': binary, 'image/png': binary, 'image/gif': binary, 'application/zip': binary, 'application/vnd.rar': binary },
});
