import type { FastifyInstance } from 'fastify';
import { sendFailure } from '../problem';

/**
 * Fields a request carries at most once that this API reads. Node keeps the first of a repeated
 * one and silently drops the rest (`IncomingMessage.headers`): two `Authorization` lines, or two
 * `Content-Type`s, would be read as whichever came first, and a proxy in front may have read the
 * other. (A repeated Content-Length is refused by Node's parser already.)
 */
const SINGLETON_FIELDS = ['host', 'authorization', 'content-type'] as const;

/**
 * RFC 9112 section 3.2: a request with more than one `Host`, or an HTTP/1.1 request with none, is
 * a 400. RFC 9110 section 5.3: a field that is not a list is sent once; such a field repeated is a
 * 400 too, rather than a guess at which line was meant. Both as problem+json, before a token is read.
 * (Node's own missing-Host answer, an empty 400, is switched off in create-app.ts for this one.)
 */
export const installHeaderFieldChecks = (app: FastifyInstance): void => {
  app.addHook('onRequest', async (request, reply) => {
    const fields = request.raw.headersDistinct;
    const repeated = SINGLETON_FIELDS.filter((name) => (fields[name]?.length ?? 0) > 1);
    if (repeated.length > 0) {
      return sendFailure(reply, { kind: 'bad_request', detail: `The header field ${repeated.join(', ')} is sent more than once; it may be sent once (RFC 9110 section 5.3).` });
    }
    if (fields.host === undefined && request.raw.httpVersionMajor === 1 && request.raw.httpVersionMinor >= 1) {
      return sendFailure(reply, { kind: 'bad_request', detail: 'An HTTP/1.1 request must carry a Host header field (RFC 9112 section 3.2).' });
    }
  });
};
