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

/**
 * A JSON body with a `__proto__` key, or a `constructor` holding `prototype`, anywhere: valid JSON that
 * fastify's parser (secure-json-parse) refuses, because such keys poison objects in JavaScript. A 400
 * that says so (problem.ts: `bad-request`), not `malformed-json`, whose "not valid JSON" sent a client
 * looking for a syntax error that is not there.
 */
export class ReservedJsonKeyError extends Error {
  readonly statusCode = 400;
  readonly code = 'bad-request';

  constructor() {
    super('The body uses a reserved key (`__proto__`, or `prototype` inside `constructor`), which is refused: rename or remove it.');
  }
}

/** fastify's parser refused the text, and the text is JSON: what it refused is a reserved key. secure-json-parse skips a BOM too. */
const isPlainJson = (text: string): boolean => {
  try {
    JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return true;
  } catch {
    return false;
  }
};

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
 * sent or not at all (DESIGN "Edge input"). Proto and constructor poisoning are still refused by fastify's own parser, which this one
 * calls, as a ReservedJsonKeyError.
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
    // Only a refusal is parsed again, to tell a reserved key from a syntax error; a body that parses costs nothing more.
    parseJson(request, text, (error, value) => {
      if (error && 'code' in error && error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' && isPlainJson(text)) done(new ReservedJsonKeyError(), undefined);
      else done(error, value);
    });
  });
};
