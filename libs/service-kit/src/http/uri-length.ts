import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../problem';
import { problemType } from '../problem-types';

/**
 * The longest request target (path and query) served. RFC 9110 section 4.1 asks for at least
 * 8000 octets; Node refuses a request line over its 16 KiB header limit with a bare 431 first.
 */
export const MAX_URI_LENGTH = 8_192;

/** A longer request target is a 414 problem on every route, before authentication reads a token. */
export const installUriLengthLimit = (app: FastifyInstance): void => {
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.length <= MAX_URI_LENGTH) return;
    return sendProblem(reply, {
      type: problemType('uri-too-long'),
      title: 'URI Too Long',
      status: 414,
      detail: `The request target is longer than ${MAX_URI_LENGTH} characters.`,
    });
  });
};

/** Node's limit on the request line and headers together (`--max-http-header-size`, 16 KiB by default). */
const HEADER_OVERFLOW = 'HPE_HEADER_OVERFLOW';

/**
 * Requests Node's HTTP parser refuses before fastify sees them (a request line or headers over its
 * 16 KiB limit, or bytes that are not HTTP): answered as problem+json like every other error (431,
 * or 400), then the connection is closed, since the parser cannot resync on it.
 */
export const answerClientError = (error: Error & { code?: string }, socket: import('node:net').Socket): void => {
  const overflow = error.code === HEADER_OVERFLOW;
  const status = overflow ? 431 : 400;
  const title = overflow ? 'Request Header Fields Too Large' : 'Bad Request';
  const body = JSON.stringify({
    type: problemType(overflow ? 'header-fields-too-large' : 'malformed-request'),
    title,
    status,
    detail: overflow ? 'The request line and headers together are longer than this server accepts (16 KiB).' : 'The request is not well-formed HTTP.',
  });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
};
