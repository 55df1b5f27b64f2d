import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ifNoneMatchMatches } from '../entity-tags';

/** The If-None-Match request header of a GET that sends an ETag, for its route schema's `headers`. */
export const IfNoneMatchHeaders = Type.Object({
  'if-none-match': Type.Optional(
    Type.String({
      maxLength: 1000,
      description: 'ETags of copies the caller holds (or `*`): when one is current the answer is 304 Not Modified, without a body (RFC 9110 §13.1.2)',
    }),
  ),
});

/** The 304 of a GET that sends an ETag, for its route schema's `response` (so the document lists it). */
export const NOT_MODIFIED_RESPONSE = {
  304: Type.Null({ description: 'Not Modified: `If-None-Match` names the current ETag (RFC 9110 §13.1.2); no body' }),
};

/**
 * Sends the representation's ETag and, when a GET or HEAD names it in If-None-Match, answers
 * 304 Not Modified without a body (RFC 9110 §13.1.2, §15.4.5): the caller's copy is current. True
 * when it answered; the route then returns the reply. Call it once the caller may see the resource:
 * a 304 must not tell anyone that something they may not read exists.
 */
export const answeredNotModified = (request: FastifyRequest, reply: FastifyReply, etag: string): boolean => {
  reply.header('etag', etag);
  const ifNoneMatch = request.headers['if-none-match'];
  if ((request.method !== 'GET' && request.method !== 'HEAD') || ifNoneMatch === undefined || !ifNoneMatchMatches(ifNoneMatch, etag)) return false;
  reply.code(304).send();
  return true;
};
