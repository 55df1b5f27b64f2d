import { pipeline, Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorCodes } from 'fastify';

/** fastify's own 413, which the problem handler answers like any other too-large body. */
export const bodyTooLarge = (): Error => new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();

/**
 * Passes the request's bytes through unread, counting them against the route's body limit: a
 * forwarded body must reach the service exactly as it came (a signature over the raw bytes, a
 * multipart boundary, a mail's CRLFs), and must not be buffered whole in the gateway.
 */
export class ByteLimit extends Transform {
  private seenBytes = 0;
  exceeded = false;

  constructor(private readonly limitBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seenBytes += chunk.length;
    if (this.seenBytes > this.limitBytes) {
      this.exceeded = true;
      callback(bodyTooLarge());
      return;
    }
    callback(null, chunk);
  }
}

/** True when `request`'s raw body stream was stopped by its limit: the answer is a 413, not an upstream failure. */
export const bodyLimitExceeded = (request: FastifyRequest): boolean => request.body instanceof ByteLimit && request.body.exceeded;

/** The most bytes a request's body may have: by default its route's body limit. */
export type BodyLimitOf = (request: FastifyRequest) => number;

const routeBodyLimit: BodyLimitOf = (request) => request.routeOptions.bodyLimit;

/**
 * Replaces, in `app`'s (encapsulated) scope, every content-type parser with one that hands the raw
 * stream on. A declared Content-Length over the limit is refused before a byte is read; a chunked
 * body is cut when it grows past it. Both become fastify's 413, which the problem handler answers.
 */
export const acceptRawBodies = (app: FastifyInstance, limitOf: BodyLimitOf = routeBodyLimit): void => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const limitBytes = limitOf(request);
    const declared = request.headers['content-length'];
    if (Number(declared) > limitBytes) {
      done(bodyTooLarge(), undefined);
      return;
    }
    // A declared length within the limit bounds the body already (Node reads no byte past it, and
    // refuses a malformed one before any hook): the request's own stream goes on, with no counter
    // and no pipeline of its own; each pipeline builds an AbortError, stack trace and all, as it
    // ends (docs/performance.md, twentieth session).
    if (declared !== undefined) {
      done(null, payload);
      return;
    }
    const limited = new ByteLimit(limitBytes);
    // Errors of either side (the client aborting, the limit) destroy `limited`, which is what the
    // forwarding reads: reply-from reports them through its onError.
    pipeline(payload, limited, () => undefined);
    done(null, limited);
  });
};
