import type { FastifyInstance } from 'fastify';

/** A JSON body whose bytes are not UTF-8: a 400 problem (problem.ts), never text with U+FFFD in it. */
export class InvalidUtf8BodyError extends Error {
  readonly statusCode = 400;
  readonly code = 'invalid-utf-8';

  constructor() {
    super('The request body is not valid UTF-8 (RFC 8259 section 8.1).');
  }
}

/**
 * Replaces fastify's JSON body parser, which decodes with replacement characters, by one that
 * refuses invalid UTF-8: a client's bytes are stored as sent or not at all (DESIGN "Edge input").
 * Proto and constructor poisoning are still refused by fastify's own parser, which this one calls.
 */
export const installStrictJsonBody = (app: FastifyInstance): void => {
  const parseJson = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  // No route takes plain text: such a body is a 415 (wrong media type), not a 400 from its schema.
  app.removeContentTypeParser('text/plain');
  // No bodyLimit here: the route's limit (or the app's) applies, as it did to the default parser.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
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
