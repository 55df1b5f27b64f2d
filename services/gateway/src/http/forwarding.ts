import type { FastifyInstance } from 'fastify';
import replyFrom from '@fastify/reply-from';
import { serviceForPath, type RoutePrefix } from '@tss/contracts';
import { problemType, sendProblem, traceCarrierOf } from '@tss/service-kit';

export type ServiceUrls = Readonly<Record<RoutePrefix['service'], string>>;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Services mode: requests under a service's prefix (DESIGN "Routes") go to that service, with
 * the caller's token, a request id and the W3C trace context of the gateway's span. A service
 * that is down or slower than `timeoutMs` yields a 503/504 problem, never a hang.
 */
export const forwardToServices = (urls: ServiceUrls, options: { timeoutMs: number }) => async (app: FastifyInstance) => {
  await app.register(replyFrom, { http: { requestOptions: { timeout: options.timeoutMs } } });
  for (const url of ['/v1/*', '/rate', '/rate/*']) {
    app.route({
      method: [...METHODS],
      url,
      schema: { hide: true },
      handler: async (request, reply) => {
        const service = serviceForPath(request.url);
        if (!service) {
          return sendProblem(reply, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No route ${request.method} ${request.url.split('?')[0]}` });
        }
        return reply.from(`${urls[service].replace(/\/$/, '')}${request.url}`, {
          rewriteRequestHeaders: (_req, headers) => ({ ...headers, 'x-request-id': request.id, ...traceCarrierOf() }),
          onError: (errorReply, { error }) => {
            const timedOut = /timeout/i.test(String((error as Error).message ?? '')) || (error as { statusCode?: number }).statusCode === 504;
            request.log.warn({ err: error, service }, 'forwarding failed');
            return sendProblem(errorReply as never, {
              type: problemType(timedOut ? 'upstream-timeout' : 'upstream-unavailable'),
              title: timedOut ? 'Gateway Timeout' : 'Service Unavailable',
              status: timedOut ? 504 : 503,
              detail: `${service} did not answer${timedOut ? ` within ${options.timeoutMs} ms` : ''}.`,
            });
          },
        });
      },
    });
  }
};
