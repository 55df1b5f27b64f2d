import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../problem';
import { problemType } from '../problem-types';
import { endSocketWithProblem } from './socket-problem';

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
      // The path, as every problem names it; none when the path alone is what is too long.
      ...(request.url.split('?')[0].length > MAX_URI_LENGTH ? { instance: null } : {}),
    });
  });
};

/** Node's limit on the request line and headers together (`--max-http-header-size`, 16 KiB by default). */
const HEADER_OVERFLOW = 'HPE_HEADER_OVERFLOW';

/** Node's headers or request deadline passed (request-deadline.ts, nodeServerTimeouts). */
const REQUEST_TIMEOUT = 'ERR_HTTP_REQUEST_TIMEOUT';

const problemOfClientError = (code: string | undefined): { status: number; title: string; type: ReturnType<typeof problemType>; detail: string } => {
  if (code === HEADER_OVERFLOW) {
    return { status: 431, title: 'Request Header Fields Too Large', type: problemType('header-fields-too-large'), detail: 'The request line and headers together are longer than this server accepts (16 KiB).' };
  }
  if (code === REQUEST_TIMEOUT) {
    return { status: 408, title: 'Request Timeout', type: problemType('request-timeout'), detail: 'The request did not arrive within its deadline; nothing was done.' };
  }
  return { status: 400, title: 'Bad Request', type: problemType('malformed-request'), detail: 'The request is not well-formed HTTP.' };
};

/** A response already begun on the socket: writing another would corrupt it (Node's own handler checks the same). */
const answerInFlight = (socket: import('node:net').Socket): boolean => {
  const inFlight: unknown = Reflect.get(socket, '_httpMessage');
  return typeof inFlight === 'object' && inFlight !== null && Reflect.get(inFlight, 'headersSent') === true;
};

/**
 * Requests Node's HTTP parser refuses before fastify sees them (a request line or headers over its
 * 16 KiB limit, or bytes that are not HTTP), and requests Node's own deadline cut off (headers not
 * whole in time): answered as problem+json like every other error (431, 400 or 408), then the
 * connection is closed, since the parser cannot resync on it.
 */
export const answerClientError = (error: Error & { code?: string }, socket: import('node:net').Socket): void => {
  if (!socket.writable || answerInFlight(socket)) {
    socket.destroy();
    return;
  }
  endSocketWithProblem(socket, problemOfClientError(error.code));
};
