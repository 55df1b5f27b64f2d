import type { FastifyInstance } from 'fastify';
import { sendNoRoute } from '../problem';

/**
 * A path whose named parameter is empty names nothing: `/v1/tickets/` (a trailing slash) or
 * `/v1/tickets//thread` is a 404 `not-found`, as `/v1/partners/` already was, not a 400 from the
 * parameter's schema (the router matches `/v1/tickets/:id` with an empty id). One answer for a
 * trailing slash on every route, before authentication, as for any path no route serves. A
 * wildcard (`/docs/*`) may be empty: `/docs/` is the docs page.
 */
export const installEmptyPathSegmentCheck = (app: FastifyInstance): void => {
  app.addHook('onRequest', async (request, reply) => {
    const params = request.params as Record<string, unknown> | undefined;
    if (!params) return;
    for (const [name, value] of Object.entries(params)) {
      if (name !== '*' && value === '') return sendNoRoute(request, reply);
    }
  });
};
