import type { FastifyInstance } from 'fastify';
import { problemType, sendProblem } from '../problem';

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
