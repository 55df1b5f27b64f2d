import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { UnitOfWork } from '@tss/messaging';
import { blobKey, inspectContent, type ArchiveLimits, type BlobStorage } from '@tss/blob-storage';
import { err, ok, type AttachmentSizeLimits, type Clock, type Failure, type Result } from '@tss/service-kit';
import type { Actor } from '../domain/actor';
import type { RefusedAttachment } from '@tss/contracts';
import { contentFailure, quotedFileName, refusedFileName, sanitiseFileName, sizeLimitBroken, type UploadLimits } from '../domain/attachment-content';
import type { Ticket } from '../domain/ticket';
import { attachmentStore, type AttachmentRecord, type LinkedAttachment } from '../store/attachment.store';
import { historyStore } from '../store/history.store';
import { ticketStore, toTicket } from '../store/ticket.store';
import { rewriteFileNames } from './file-name-particulars';
import { postNotesIn, rewriteBeforeStore, type MessageHooks } from './post-message';

/**
 * Attachments (P8, issue #9), for the routes of this part and for the messages route:
 *
 * - `readUploads(request, limits, options)` (src/http/multipart-uploads.ts) reads the files of a
 *   multipart/form-data request within the size limits; `acceptMultipart(app, limits)` registers the
 *   parser in the calling plugin's scope.
 * - `storeAttachments(deps, …)` checks each file's content and stores them all, or none;
 *   `stageAttachments` stores only their blobs, and `recordAttachments(tx, …)` their rows in the
 *   transaction of the message they came with (a message and its files in one request).
 * - `linkAttachments(tx, …)` links stored, unlinked attachments of a ticket to a message, in the
 *   message's transaction.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One file as it came: the name the client gave (display only) and its bytes. */
export interface Upload {
  fileName?: string;
  bytes: Buffer;
}

export interface StoreAttachmentsDeps {
  unitOfWork: UnitOfWork;
  clock: Clock;
  blobs: BlobStorage;
  archiveLimits: ArchiveLimits;
  /** The parts' message hooks: the vault's `beforeStore` masks particulars in file names (P9). */
  messageHooks?: readonly MessageHooks[];
}

export interface StoreAttachmentsInput {
  ticket: { id: string; partnerId: string };
  uploads: readonly Upload[];
  uploadedBy: Actor;
}

/** Removes blobs stored for a request that then failed: the failure is what the caller sees. */
const removeBlobs = async (blobs: BlobStorage, keys: readonly string[]): Promise<void> => {
  await Promise.allSettled(keys.map((key) => blobs.delete(key)));
};

/** Files checked and their blobs stored, not yet the ticket's attachments (no rows): `recordAttachments` makes them so. */
export interface StagedUploads {
  records: AttachmentRecord[];
  /** Removes the blobs: for files whose rows were never committed (a refused or replayed message). */
  discard(): Promise<void>;
}

/**
 * Checks every file by its content (P8: JPG, GIF, PNG; BMP only inside a ZIP or RAR; archives
 * within their limits) and only if all pass stores their blobs. A refusal stores nothing; a
 * failure after some blobs were stored removes them. The rows come later, in the transaction of
 * whatever the files belong to (`recordAttachments`).
 */
export const stageAttachments = async (deps: Omit<StoreAttachmentsDeps, 'unitOfWork'>, input: StoreAttachmentsInput): Promise<Result<StagedUploads, Failure>> => {
  const accepted = [];
  for (const upload of input.uploads) {
    const verdict = await inspectContent(upload.bytes, deps.archiveLimits);
    if (!verdict.accepted) return err(contentFailure(verdict.refusal, quotedFileName(upload.fileName)));
    accepted.push({ upload, verdict });
  }
  const now = deps.clock.now();
  const stored: string[] = [];
  try {
    const records: AttachmentRecord[] = [];
    for (const { upload, verdict } of accepted) {
      const id = randomUUID();
      const storageKey = blobKey('attachments', input.ticket.partnerId, input.ticket.id, id);
      const put = await deps.blobs.put(storageKey, upload.bytes, { contentType: verdict.mediaType });
      stored.push(storageKey);
      records.push({
        id,
        ticketId: input.ticket.id,
        partnerId: input.ticket.partnerId,
        messageId: null,
        fileName: sanitiseFileName(upload.fileName, verdict.kind),
        contentType: verdict.mediaType,
        size: put.size,
        sha256: put.sha256,
        storageKey,
        uploadedBy: input.uploadedBy,
        createdAt: now,
      });
    }
    return ok({ records, discard: () => removeBlobs(deps.blobs, stored) });
  } catch (error) {
    await removeBlobs(deps.blobs, stored);
    throw error;
  }
};

/** The rows of staged files and a history entry each, in the caller's transaction: they are the ticket's attachments once it commits. */
export const recordAttachments = async (tx: EntityManager, records: readonly AttachmentRecord[]): Promise<void> => {
  await attachmentStore.insert(tx, records);
  await historyStore.append(
    tx,
    ...records.map((a) => ({
      ticketId: a.ticketId,
      partnerId: a.partnerId,
      at: a.createdAt,
      actor: a.uploadedBy,
      action: 'attachment_uploaded',
      detail: { attachmentId: a.id, fileName: a.fileName, contentType: a.contentType, size: a.size },
    })),
  );
};

/**
 * P9, for files uploaded on their own: particulars in their names are vaulted and masked, in the
 * transaction that records them, as a message's text is (docs/adr/0026, addendum of 2026-12-05,
 * first session). A partner's or requester's are the requester's side's: public, and told in the
 * thread. A staff member's upload is shown to staff only until a public message carries it, so its
 * particulars are staff's (internal), told to nobody in the thread.
 */
const withNamesVaulted = async (tx: EntityManager, deps: StoreAttachmentsDeps, input: StoreAttachmentsInput, records: readonly AttachmentRecord[]): Promise<AttachmentRecord[]> => {
  // The upload's instant: credentials, notes and the attachments' history entries share it.
  const now = records[0]?.createdAt ?? deps.clock.now();
  const byAgent = input.uploadedBy.kind === 'staff';
  let ticket: Ticket | undefined;
  const rewritten = await rewriteFileNames(
    records.map((r) => r.fileName),
    async (text) => {
      ticket ??= await ticketOf(tx, input.ticket);
      return rewriteBeforeStore(tx, deps, { ticket, text, actor: input.uploadedBy, byAgent, now, visibility: byAgent ? 'internal' : 'public', textOf: 'file_name' });
    },
  );
  if (ticket && !byAgent) await postNotesIn(tx, ticket, { notes: rewritten.notes, channel: ticket.channel, now });
  return records.map((r, i) => ({ ...r, fileName: rewritten.names[i] }));
};

const ticketOf = async (tx: EntityManager, ticket: { id: string; partnerId: string }): Promise<Ticket> => {
  const row = await ticketStore.findForPartner(tx, ticket.partnerId, ticket.id);
  if (!row) throw new Error(`attachments: no ticket ${ticket.id} of partner ${ticket.partnerId}`);
  return toTicket(row);
};

/**
 * `POST /v1/tickets/{id}/attachments`: checks and stores the files (`stageAttachments`), then
 * their rows and a history entry each in one transaction, their names masked (P9). A refusal
 * stores nothing; a failure after some blobs were stored removes them, so no blob is left without a row.
 */
export const storeAttachments = async (deps: StoreAttachmentsDeps, input: StoreAttachmentsInput): Promise<Result<AttachmentRecord[], Failure>> => {
  const staged = await stageAttachments(deps, input);
  if (!staged.ok) return staged;
  try {
    const records = await deps.unitOfWork.run(async (tx) => {
      const named = await withNamesVaulted(tx, deps, input, staged.value.records);
      await recordAttachments(tx, named);
      return named;
    });
    return ok(records);
  } catch (error) {
    await staged.value.discard();
    throw error;
  }
};

/**
 * Links attachments to a message, in the message's transaction (the messages route calls it):
 * each id must name an attachment of that ticket not yet linked to a message, else the whole
 * message is refused with a 422 naming the ids, and the rollback undoes the links made. Answers
 * the attachments linked, in the order the message names them (its announcement lists them, P8).
 */
export const linkAttachments = async (
  tx: EntityManager,
  input: { ticketId: string; partnerId: string; messageId: string; attachmentIds: readonly string[] },
): Promise<Result<LinkedAttachment[], Failure>> => {
  const wanted = [...new Set(input.attachmentIds.map((id) => id.toLowerCase()))];
  if (wanted.length === 0) return ok([]);
  const ids = wanted.filter((id) => UUID.test(id));
  const linked = new Map((ids.length > 0 ? await attachmentStore.link(tx, { ...input, attachmentIds: ids }) : []).map((a) => [a.id, a]));
  const refused = wanted.filter((id) => !linked.has(id));
  if (refused.length > 0) {
    return err({
      kind: 'unprocessable',
      detail: `Not an attachment of this ticket waiting for a message: ${refused.join(', ')}. Upload files with POST /v1/tickets/{id}/attachments first; each can be linked to one message.`,
      extensions: { attachmentIds: refused },
    });
  }
  return ok(wanted.flatMap((id) => linked.get(id) ?? []));
};

/** An attachment notification stored from an inbound mail (`notification.email_received`). */
export interface MailedAttachment {
  storageKey: string;
  filename: string;
  contentType: string;
}

/**
 * P8: attachments of an inbound mail, stored by notification in the shared blob storage, become
 * the ticket's, inside the inbox transaction that threads the mail: each blob is read back and
 * judged by its size and content, as an upload is (one file within `maxFileBytes`, the files kept
 * within `maxMessageBytes` together, in the mail's order: a file that would take them over is
 * refused, a later one that fits is kept); accepted ones get a row (unlinked: the message links
 * them), refused ones (and those beyond `maxFiles`) are named with a reason code and the limit, so the thread and the requester's mail can
 * say so in the requester's language (docs/adr/0035-mail.md, addendum of 2026-12-04, sixth session), and their blobs removed:
 * a refused file is not kept (docs/adr/0035-mail.md, addendum of 2026-12-04, second session). A missing blob is
 * refused, never a row without bytes; so is a refused one met again when this transaction rolled
 * back after removing it and the event is redelivered. `rewriteNames` (P9) gives every name, the
 * accepted and the refused, as it is to be kept: particulars vaulted and masked before any is stored.
 */
export const registerMailedAttachments = async (
  tx: EntityManager,
  deps: Pick<StoreAttachmentsDeps, 'blobs' | 'archiveLimits' | 'clock'> & UploadLimits,
  input: {
    ticket: { id: string; partnerId: string };
    attachments: readonly MailedAttachment[];
    uploadedBy: Actor;
    rewriteNames?: (names: readonly string[]) => Promise<readonly string[]>;
  },
): Promise<{ accepted: string[]; refused: RefusedAttachment[]; limits: AttachmentSizeLimits }> => {
  const now = deps.clock.now();
  const accepted: AttachmentRecord[] = [];
  // A mail brings at most as many files as an upload request (ATTACHMENT_MAX_FILES): the first
  // ones in the mail's order are judged, the others refused unread.
  const beyond = input.attachments.slice(deps.maxFiles);
  const refused: RefusedAttachment[] = beyond.map((mailed) => ({ fileName: refusedFileName(mailed.filename), reason: 'too_many_files', maxFiles: deps.maxFiles }));
  const refusedKeys = beyond.map((mailed) => mailed.storageKey);
  let keptBytes = 0;
  for (const mailed of input.attachments.slice(0, deps.maxFiles)) {
    const blob = await deps.blobs.get(mailed.storageKey);
    if (!blob) {
      refused.push({ fileName: refusedFileName(mailed.filename), reason: 'missing' });
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of blob.stream) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    // P8: the limits of an upload request hold for a mail too (ATTACHMENT_MAX_FILE_BYTES,
    // ATTACHMENT_MAX_MESSAGE_BYTES), checked before the content, as the upload's read does.
    const broken = sizeLimitBroken(bytes.length, keptBytes + bytes.length, deps);
    if (broken) {
      refused.push(
        broken === 'file'
          ? { fileName: refusedFileName(mailed.filename), reason: 'file_too_large', maxFileBytes: deps.maxFileBytes }
          : { fileName: refusedFileName(mailed.filename), reason: 'message_too_large', maxMessageBytes: deps.maxMessageBytes },
      );
      refusedKeys.push(mailed.storageKey);
      continue;
    }
    const verdict = await inspectContent(bytes, deps.archiveLimits);
    if (!verdict.accepted) {
      refused.push({ fileName: refusedFileName(mailed.filename), reason: verdict.refusal.reason });
      refusedKeys.push(mailed.storageKey);
      continue;
    }
    keptBytes += bytes.length;
    accepted.push({
      id: randomUUID(),
      ticketId: input.ticket.id,
      partnerId: input.ticket.partnerId,
      messageId: null,
      fileName: sanitiseFileName(mailed.filename, verdict.kind),
      contentType: verdict.mediaType,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      storageKey: mailed.storageKey,
      uploadedBy: input.uploadedBy,
      createdAt: now,
    });
  }
  const names = input.rewriteNames ? await input.rewriteNames([...accepted.map((a) => a.fileName), ...refused.map((r) => r.fileName)]) : undefined;
  const kept = names ? accepted.map((a, i) => ({ ...a, fileName: names[i] })) : accepted;
  const told = names ? refused.map((r, i) => ({ ...r, fileName: names[accepted.length + i] })) : refused;
  await attachmentStore.insert(tx, kept);
  await removeBlobs(deps.blobs, refusedKeys);
  return { accepted: kept.map((a) => a.id), refused: told, limits: { maxFileBytes: deps.maxFileBytes, maxMessageBytes: deps.maxMessageBytes } };
};
