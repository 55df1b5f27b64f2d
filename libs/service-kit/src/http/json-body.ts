import type { FastifyInstance } from 'fastify';

/** A JSON body whose bytes are not UTF-8: a 400 problem (problem.ts), never text with U+FFFD in it. */
export class InvalidUtf8BodyError extends Error {
  readonly statusCode = 400;
  readonly code = 'invalid-utf-8';

  constructor() {
    super('The request body is not valid UTF-8 (RFC 8259 section 8.1).');
  }
}

/** A JSON body that declares a charset other than UTF-8: a 415 problem (problem.ts), never its bytes read as UTF-8. */
export class UnsupportedJsonCharsetError extends Error {
  readonly statusCode = 415;
  readonly code = 'unsupported-media-type';

  constructor(charset: string) {
    super(`A JSON body is UTF-8 (RFC 8259 section 8.1); this one declares charset=${charset.slice(0, 40)}. Send it as UTF-8, with no charset or charset=utf-8.`);
  }
}

/** The `charset` parameter of a Content-Type, as written (quotes removed); undefined when there is none. */
const charsetOf = (contentType: string | undefined): string | undefined => {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
};

/** UTF-8's names: its IANA name and the label every decoder also knows it by (WHATWG Encoding). */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8']);

/**
 * Replaces fastify's JSON body parser, which decodes with replacement characters, by one that
 * refuses invalid UTF-8 and a declared charset other than UTF-8: a client's bytes are stored as
 * sent or not at all (DESIGN "Edge input"). Proto and constructor poisoning are still refused by fastify's own parser, which this one calls.
 */
export const installStrictJsonBody = (app: FastifyInstance): void => {
  const parseJson = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  // No route takes plain text: such a body is a 415 (wrong media type), not a 400 from its schema.
  app.removeContentTypeParser('text/plain');
  // No bodyLimit here: the route's limit (or the app's) applies, as it did to the default parser.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    // `charset=latin1` or `utf-16` was read as UTF-8 regardless: a body we would misread is one we do not take.
    const charset = charsetOf(request.headers['content-type']);
    if (charset !== undefined && !UTF8_CHARSETS.has(charset.toLowerCase())) {
      done(new UnsupportedJsonCharsetError(charset), undefined);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      done(new InvalidUtf8BodyError(), undefined);
      return;
    }
    parseJson(request, text, done);
  });
};
