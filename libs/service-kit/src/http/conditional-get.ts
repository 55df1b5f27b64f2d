import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ifMatchAdmits, ifNoneMatchMatches } from '../entity-tags';
import { failureResponses, sendFailure } from '../problem';

/** The conditional request headers of a GET that sends an ETag, for its route schema's `headers`. */
export const ConditionalReadHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      maxLength: 1000,
      description:
        'ETags one of which must be current, compared strongly (a weak `W/` tag never matches), or `*`: otherwise the answer is 412 Precondition Failed, without the representation (RFC 9110 §13.1.1)',
    }),
  ),
  'if-none-match': Type.Optional(
    Type.String({
      maxLength: 1000,
      description: 'ETags of copies the caller holds (or `*`): when one is current the answer is 304 Not Modified, without a body (RFC 9110 §13.1.2)',
    }),
  ),
});

/** The 304 and 412 of a GET that sends an ETag, for its route schema's `response` (so the document lists them). */
export const CONDITIONAL_READ_RESPONSES = {
  304: Type.Null({ description: 'Not Modified: `If-None-Match` names the current ETag (RFC 9110 §13.1.2); no body' }),
  ...failureResponses('precondition_failed'),
};

/**
 * RFC 9110 §13.2.2 for a GET or HEAD of a representation with an ETag, in its order: If-Match
 * first (§13.1.1: `*`, or a tag equal to the current ETag by strong comparison; anything else is a
 * 412 `precondition-failed` problem, without the representation), then If-None-Match (the current
 * ETag by weak comparison, or `*`: 304 Not Modified without a body, §15.4.5). Sends the ETag with
 * the representation or the 304. True when it answered; the route then returns the reply. Call it
 * once the caller may see the resource: a 304 or a 412 must not tell anyone that something they
 * may not read exists (a missing one is the route's 404, conditions or not, §13.2.1).
 */
export const answeredConditionally = (request: FastifyRequest, reply: FastifyReply, etag: string): boolean => {
  const reading = request.method === 'GET' || request.method === 'HEAD';
  const ifMatch = request.headers['if-match'];
  if (reading && typeof ifMatch === 'string' && !ifMatchAdmits(ifMatch, etag)) {
    sendFailure(reply, { kind: 'precondition_failed', detail: `If-Match names no current version of this resource: its ETag is ${etag}, compared strongly (RFC 9110 §13.1.1).` });
    return true;
  }
  reply.header('etag', etag);
  const ifNoneMatch = request.headers['if-none-match'];
  if (!reading || ifNoneMatch === undefined || !ifNoneMatchMatches(ifNoneMatch, etag)) return false;
  reply.code(304).send();
  return true;
};
