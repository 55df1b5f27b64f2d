import type { FastifyInstance, FastifyRequest } from 'fastify';
import { answerInPageArea, sendFailure } from '../problem';

/**
 * True when the request has a body: a Content-Length above 0, or a Transfer-Encoding (RFC 9112
 * section 6.3). A GET with a stray Content-Encoding and no body has nothing to decode.
 */
const hasBody = (request: FastifyRequest): boolean => {
  const { 'content-length': length, 'transfer-encoding': transferEncoding } = request.headers;
  // Node's parser has refused a Content-Length that is not digits already.
  return transferEncoding !== undefined || Number(length ?? 0) > 0;
};

/** The codings a Content-Encoding lists other than `identity` (RFC 9110 section 8.4: a list, case-insensitive). */
const codingsOtherThanIdentity = (contentEncoding: string): string[] =>
  contentEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');

/**
 * This API reads request bodies as sent and decodes no content coding: a gzipped JSON body was read
 * as identity (a 400 `invalid-utf-8`), and `Content-Encoding: br` on a plain body was filed. RFC 9110
 * section 8.4.1: a request whose content coding is not acceptable is a 415, with Accept-Encoding
 * naming what is (section 12.5.3: `identity`). Refused before the body or a token is read; nothing is
 * ever inflated, so no small body becomes a large one here (docs/adr/0064, addendum of 2026-12-05).
 * Under a page area (`/rate`, `/support`) the refusal is that area's plain 415 page, in the reader's
 * language (docs/adr/0045, addendum of 2026-12-05, third session).
 */
export const installContentEncodingCheck = (app: FastifyInstance): void => {
  app.addHook('onRequest', async (request, reply) => {
    const contentEncoding = request.headers['content-encoding'];
    if (contentEncoding === undefined || !hasBody(request)) return;
    const codings = codingsOtherThanIdentity(contentEncoding);
    if (codings.length === 0) return;
    reply.header('accept-encoding', 'identity');
    const detail =
      `Request bodies are read as sent: Content-Encoding ${JSON.stringify(codings[0].slice(0, 40))}${codings.length > 1 ? ' (and more)' : ''} is not accepted ` +
      '(RFC 9110 section 8.4.1). Send the body uncompressed, without Content-Encoding or with identity.';
    // A person's form (`POST /support/t/<token>/reply`, `POST /rate/<token>`) is refused by its pages:
    // the plain 415 page, as a body that is not a form is (docs/rating.md, docs/support-site.md).
    return (
      answerInPageArea(request, reply, { statusCode: 415, code: 'TSS_UNSUPPORTED_CONTENT_ENCODING', detail }) ??
      sendFailure(reply, { kind: 'unsupported_media_type', detail })
    );
  });
};
