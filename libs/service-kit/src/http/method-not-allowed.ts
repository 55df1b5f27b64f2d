import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerInPageArea, problemInstanceOf, sendNoRoute, sendProblem } from '../problem';
import { problemType } from '../problem-types';

/** The methods a route of the API is registered for (fastify adds a HEAD beside each GET). */
const ROUTED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const namesSomething = (params: unknown): boolean =>
  typeof params === 'object' && params !== null && !Object.hasOwn(params, '*') && Object.values(params).every((value) => value !== '');

/**
 * The methods the app's routes take at `path`, asked of its own router: routes named by the path,
 * not a wildcard (the docs UI's files, the gateway's forwards, CORS's preflight catch-all), nor one
 * whose named parameter would be empty (`/v1/tickets/` names nothing: empty-path-segment.ts).
 * OPTIONS, which every such path answers (answerUnroutedMethod), is listed with them.
 */
export const methodsAt = (app: FastifyInstance, path: string): string[] => {
  const taken = ROUTED_METHODS.filter((method) => {
    const found = app.findRoute({ method, url: path });
    return found !== null && namesSomething(found.params);
  });
  return taken.length > 0 ? [...taken, 'OPTIONS'] : [];
};

/**
 * The methods a path served behind the app takes: `undefined` for a path nothing behind it owns
 * (the app's own), none for one whose owner serves nothing there (or cannot be asked).
 */
export type MethodsBehind = (path: string) => Promise<string[] | undefined>;

const behind = new WeakMap<object, MethodsBehind>();

/**
 * Names where the methods of the paths an app forwards are known: services mode's gateway takes
 * `/v1/*` for every service, and only the service owning a path knows its methods. Requests that
 * never reach a forward (CONNECT, TRACE, QUERY) are then answered with that service's 405 and
 * `Allow`, as in one process, not the gateway router's 404.
 */
export const setMethodsBehind = (app: FastifyInstance, methodsBehind: MethodsBehind): void => {
  behind.set(app.server, methodsBehind);
};

/**
 * The methods `path` takes: those of what serves it behind the app when something does, else the
 * app's own routes (`methodsAt`). Behind first: the gateway's forward of an exact path
 * (`/v1/inbound/email`) is a route of its own router for every method, which says nothing of the
 * service's (an outside test got `Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS` there).
 */
export const allowedMethodsAt = async (app: FastifyInstance, path: string): Promise<string[]> => {
  const ask = behind.get(app.server);
  const theirs = ask ? await ask(path).catch((): string[] => []) : undefined;
  return theirs ?? methodsAt(app, path);
};

/**
 * The answer to a request no route takes (the app's 404 handler). RFC 9110 §15.5.6: a path some
 * route serves with another method is a 405 problem whose `Allow` lists the methods it takes, and
 * OPTIONS there is a 204 with that `Allow` (§9.3.7); a path no route serves is the 404 it was.
 * Before authentication, as a 404 is: the OpenAPI document tells anyone the same.
 *
 * Under a person's pages (a page area: `/rate`, `/support`) any such method is the area's plain 404
 * page, as PUT there always was: services mode's gateway forwards only some methods of `/rate`, and
 * sent the rest (OPTIONS, PROPFIND, TRACE, QUERY) the API's problem+json (docs/adr/0045, addendum of
 * 2026-12-05, third session).
 */
export const answerUnroutedMethod = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
  const page = answerInPageArea(request, reply, {
    statusCode: 404,
    code: 'TSS_NO_PAGE_ROUTE',
    detail: `No route ${request.method} ${problemInstanceOf(request.url)}`,
  });
  if (page) return page;
  const allowed = await allowedMethodsAt(request.server, request.url.split('?')[0]);
  if (allowed.length === 0) return sendNoRoute(request, reply);
  reply.header('allow', allowed.join(', '));
  if (request.method === 'OPTIONS') return reply.code(204).send();
  return sendProblem(reply, {
    type: problemType('method-not-allowed'),
    title: 'Method Not Allowed',
    status: 405,
    detail: `${request.method} is not a method of ${problemInstanceOf(request.url)}; it takes ${allowed.join(', ')}.`,
  });
};

/**
 * fastify refuses a QUERY without Content-Type (RFC 10008 §2) before its 404 handler runs, so
 * `QUERY /v1/nothing-here` answered 400 "must provide a Content-Type" where any other method gets
 * the 404, and a QUERY with one had its body parsed first. No route of the API takes QUERY: one that
 * no route takes is answered as any other method no route takes (404, or 405 with `Allow`; under the
 * pages, `/support` and `/rate`, their 404 page), before its body or Content-Type is looked at.
 */
export const answerUnroutedQuery = (app: FastifyInstance): void => {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'QUERY' || !request.is404) return;
    return answerUnroutedMethod(request, reply);
  });
};
