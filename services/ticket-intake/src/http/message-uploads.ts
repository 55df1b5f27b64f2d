import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Failure, Result } from '@tss/service-kit';
import type { Actor } from '../domain/actor';

/**
 * Files sent with a message as multipart/form-data (P8): the attachments part provides it, the
 * messages route uses it, so a message and its screenshots can be one request.
 */
export interface MessageUploads {
  /** Lets the route's plugin parse multipart bodies (its scope only). */
  accept(app: FastifyInstance): Promise<void>;
  /**
   * Reads the form: its text fields, and its files checked and stored as the ticket's attachments.
   * A form missing a required field is refused before any file is stored.
   */
  read(
    request: FastifyRequest,
    ticket: { id: string; partnerId: string },
    uploadedBy: Actor,
    form: { fields: readonly string[]; required: readonly string[] },
  ): Promise<Result<{ fields: Record<string, string>; attachmentIds: string[] }, Failure>>;
}
