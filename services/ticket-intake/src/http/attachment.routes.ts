import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import type { BlobStorage } from '@tss/blob-storage';
import { failureResponses, ok, scopeOf, sendFailure, type AccessRule, type Failure, type RequestScope, type Result } from '@tss/service-kit';
import type { Actor } from '../domain/actor';
import type { UploadLimits } from '../domain/attachment-content';
import { attachmentStore, type AttachmentReader, type AttachmentRecord, type TicketOwner } from '../store/attachment.store';
import { findTicketFor } from '../use-cases/find-ticket';
import { storeAttachments, type StoreAttachmentsDeps } from '../use-cases/store-attachments';
import { AttachmentDownload, AttachmentList, AttachmentParams, AttachmentView, UploadForm } from './attachment.schemas';
import { acceptMultipart, readUploads } from './multipart-uploads';
import { TicketParams } from './ticket.schemas';
import { actorOf as requestActorOf } from '../use-cases/ticket-actor';
import { ticketFoundFor } from './ticket-found';

export interface AttachmentRoutesDeps extends StoreAttachmentsDeps {
  dataSource: DataSource;
  blobs: BlobStorage;
  uploadLimits: UploadLimits;
}

// Partners, their requesters (own tickets) and staff (any ticket) read and add attachments.
const READ: AccessRule = { kinds: ['partner', 'requester', 'staff'], scopes: ['tickets:read'] };
const WRITE: AccessRule = { kinds: ['partner', 'requester', 'staff'], scopes: ['tickets:write'] };

const NOT_MULTIPART = { kind: 'unsupported_media_type', detail: 'Send files as multipart/form-data, one "file" part per file.' } as const;

export const toAttachmentView = (a: AttachmentRecord): AttachmentView => ({
  id: a.id,
  ticketId: a.ticketId,
  messageId: a.messageId,
  fileName: a.fileName,
  contentType: a.contentType,
  size: a.size,
  sha256: a.sha256,
  uploadedBy: { kind: a.uploadedBy.kind, id: a.uploadedBy.id },
  createdAt: a.createdAt.toISOString(),
});

/**
 * RFC 6266 with an RFC 8187 `filename*` for the real name and an ASCII fallback for old clients,
 * built once from the stored (decoded) name. The fallback has no `"` or `\` (quoted-string) and no
 * `%` (RFC 6266 appendix D: some clients decode `%XX` in `filename`).
 */
export const contentDisposition = (fileName: string): string => {
  const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
};

const readerOf = (scope: RequestScope): AttachmentReader => ({ staff: scope.kind === 'staff' });

/** Who acts, as every route of intake names them (a staff member's site link is theirs: ticket-actor.ts). */
const uploaderOf = (scope: RequestScope): Actor => requestActorOf(scope);

/** P8: attachments of a ticket: upload (multipart), list, download. */
export const attachmentRoutes = (deps: AttachmentRoutesDeps) => async (fastify: FastifyInstance) => {
  // This plugin's scope only: the other parts' routes keep JSON bodies alone.
  await acceptMultipart(fastify, deps.uploadLimits);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // By id or reference (P3): a malformed reference is its own 400, a foreign ticket a 404.
  const ticketFor = async (scope: RequestScope, idOrReference: string): Promise<Result<TicketOwner, Failure>> => {
    const found = await findTicketFor(deps.dataSource.manager, scope, idOrReference);
    return found.ok ? ok({ id: found.value.id, partnerId: found.value.partnerId, requesterId: found.value.requesterId }) : found;
  };

  app.post(
    '/v1/tickets/:id/attachments',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'uploadAttachments',
        summary: 'Upload attachments to a ticket (P8)',
        description:
          'One or more `file` parts of multipart/form-data. JPG, GIF and PNG images are accepted, and ZIP or RAR archives holding only those and BMP; the type is judged by the content, never the name. A bare BMP is refused (415) with a request to put it in a ZIP or RAR. Archives are checked from their directory (entry count, uncompressed size, compression ratio) before anything is read, so a compression bomb is refused (422) unopened. Each file and the request as a whole have size limits (413). On any refusal nothing is stored. The files are not yet part of the thread: name their ids in a message to attach them. `Location` names the attachment, or the ticket’s attachment list when several files were sent.',
        consumes: ['multipart/form-data'],
        params: TicketParams,
        body: UploadForm,
        response: { 201: AttachmentList, ...failureResponses('invalid_reference', 'payload_too_large', 'unsupported_media_type', 'unprocessable') },
      },
      // A missing or foreign ticket is the 404 below with or without If-Match (RFC 9110 §13.2.1).
      config: { access: WRITE, preconditions: { refusedFirst: ticketFoundFor(deps.dataSource) } },
      preValidation: async (request, reply) => {
        if (!request.isMultipart()) return sendFailure(reply, NOT_MULTIPART);
        // The parts stay unread until the handler streams them; the schema checks an empty form.
        request.body = {};
      },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      // The ticket first: a foreign or missing one is a 404 before a byte of the body is read.
      const owner = await ticketFor(scope, request.params.id);
      if (!owner.ok) return sendFailure(reply, owner.error);
      const ticket = owner.value;
      const uploads = await readUploads(request, deps.uploadLimits);
      // An upload past its deadline (single process) was answered 408 while its body was read.
      if (reply.sent) return reply;
      if (!uploads.ok) return sendFailure(reply, uploads.error);
      const stored = await storeAttachments(deps, { ticket, uploads: uploads.value.files, uploadedBy: uploaderOf(scope) });
      if (!stored.ok) return sendFailure(reply, stored.error);
      // One file: the attachment itself; several: the ticket's list, which holds them all (docs/adr/0065).
      const [only, ...more] = stored.value;
      const location = more.length === 0 && only ? `/v1/tickets/${ticket.id}/attachments/${only.id}` : `/v1/tickets/${ticket.id}/attachments`;
      return reply.code(201).header('location', location).send({ items: stored.value.map(toAttachmentView) });
    },
  );

  app.get(
    '/v1/tickets/:id/attachments',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'listAttachments',
        summary: "A ticket's attachments, oldest first",
        description: 'Staff see all; partners and requesters not those of internal notes, nor staff uploads before a public message carries them.',
        params: TicketParams,
        response: { 200: AttachmentList, ...failureResponses('invalid_reference') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const owner = await ticketFor(scope, request.params.id);
      if (!owner.ok) return sendFailure(reply, owner.error);
      const ticket = owner.value;
      const items = await attachmentStore.listForTicket(deps.dataSource.manager, ticket.id, readerOf(scope));
      return { items: items.map(toAttachmentView) };
    },
  );

  app.get(
    '/v1/tickets/:id/attachments/:attachmentId',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'downloadAttachment',
        summary: 'Download an attachment',
        description:
          'The stored bytes with the content type judged at upload, `Content-Disposition: attachment` (never shown inline) and `X-Content-Type-Options: nosniff`.',
        params: AttachmentParams,
        response: { 200: AttachmentDownload, ...failureResponses('invalid_reference') },
      },
      config: { access: READ, responseHeaders: { 200: ['Cache-Control'] } },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const owner = await ticketFor(scope, request.params.id);
      if (!owner.ok) return sendFailure(reply, owner.error);
      const ticket = owner.value;
      const attachment = await attachmentStore.find(deps.dataSource.manager, ticket.id, request.params.attachmentId.toLowerCase(), readerOf(scope));
      if (!attachment) return sendFailure(reply, { kind: 'not_found', detail: 'No such attachment on this ticket.' });
      const blob = await deps.blobs.get(attachment.storageKey);
      if (!blob) throw new Error(`attachment ${attachment.id}: its blob ${attachment.storageKey} is missing from storage`);
      return reply
        .code(200)
        .type(attachment.contentType)
        .header('content-length', String(blob.size))
        .header('content-disposition', contentDisposition(attachment.fileName))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(blob.stream);
    },
  );
};
