import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Failure, Result } from '@tss/service-kit';
import type { Actor } from '../domain/actor';
import type { StagedAttachments } from '../use-cases/post-message';
import type { Upload } from '../use-cases/store-attachments';

/**
 * Files sent with a message as multipart/form-data (P8): the attachments part provides it, the
 * messages route uses it, so a message and its screenshots can be one request.
 */
export interface MessageUploads {
  /** Lets the route's plugin parse multipart bodies (its scope only). */
  accept(app: FastifyInstance): Promise<void>;
  /** The most files one request may bring (ATTACHMENT_MAX_FILES): the document says so. */
  readonly maxFiles: number;
  /**
   * Reads the form: its text fields (a repeatable one as an array), and its files into memory,
   * within the upload limits. Stores nothing: the files are stored only once the request is known
   * not to be a retry (docs/adr/0028). A form missing a required field is refused.
   */
  read(
    request: FastifyRequest,
    form: { fields: readonly string[]; repeatable?: readonly string[]; required: readonly string[] },
  ): Promise<Result<{ fields: Record<string, string | string[]>; files: Upload[] }, Failure>>;
  /**
   * Checks the files by content and stores their blobs; the message records them as the ticket's
   * attachments in its transaction, and `discard` removes the blobs of a message not posted.
   */
  stage(ticket: { id: string; partnerId: string }, files: readonly Upload[], uploadedBy: Actor): Promise<Result<StagedAttachments & { discard(): Promise<void> }, Failure>>;
}
