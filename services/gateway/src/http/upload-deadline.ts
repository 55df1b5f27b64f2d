import type { FastifyInstance } from 'fastify';
import { problemType, sendProblem } from '@tss/service-kit';
import { isUpload } from './upload-routes';

/**
 * An upload (upload-routes.ts, the site's reply form included) whose body has not all arrived
 * within `timeoutMs` of its start is answered 408 problem+json and its connection is closed, as
 * Node's own request timeout would; the bytes still to come are not read (docs/adr/0063). Both
 * modes: in services mode the forwarding's deadline is the same instant, set after this one, so a
 * stalled client gets this 408 and a service that has the whole upload and does not answer a 504.
 *
 * The route reading the body then sees it end early; it checks `reply.sent` before answering.
 */
export const installUploadDeadline = (app: FastifyInstance, timeoutMs: number): void => {
  app.addHook('onRequest', async (request, reply) => {
    if (!isUpload(request)) return;
    const timer = setTimeout(() => {
      if (request.raw.complete || reply.sent) return;
      request.log.info({ timeoutMs }, 'upload not received within its deadline');
      reply.raw.once('finish', () => request.raw.destroy());
      void sendProblem(reply.header('connection', 'close'), {
        type: problemType('request-timeout'),
        title: 'Request Timeout',
        status: 408,
        detail: `The upload did not arrive within ${timeoutMs} ms; nothing was stored.`,
      });
    }, timeoutMs);
    reply.raw.once('close', () => clearTimeout(timer));
  });
};
