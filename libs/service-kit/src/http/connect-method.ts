import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pageHeaders, pickLanguage, renderPlainPage, stylesheetPath } from '@tss/web-pages';
import { pageAreaAt, problemInstanceOf } from '../problem';
import { problemType } from '../problem-types';
import { allowedMethodsAt } from './method-not-allowed';
import { endSocketWithPage, endSocketWithProblem } from './socket-problem';

/**
 * `CONNECT` asks for a tunnel (RFC 9110 §9.3.6). Node hands such a request to the server's
 * 'connect' listeners instead of the router, and with none it destroys the socket: an outside test
 * got its connection closed without a byte, where every other method gets a problem. This server
 * is no proxy; the request is answered as any method no route takes, then the connection closes
 * (the socket is no longer Node's HTTP parser's, so no second request can follow on it):
 * - a path some route serves (`CONNECT /v1/tickets`): the 405 `method-not-allowed` with `Allow`;
 * - a path nothing serves: the 404;
 * - a host and port (authority-form, what a proxy client sends): a 400 `bad-request`.
 * A path served behind the app (services mode's gateway) is asked of the service that serves it
 * (`allowedMethodsAt`), so CONNECT gets the same 405 with the same `Allow` in both modes.
 * A path under a person's pages (a page area: `/rate`, `/support`) is the plain 404 page every
 * other method no page route takes gets there (method-not-allowed.ts), in both modes.
 */
export const answerConnectRequests = (app: FastifyInstance): void => {
  app.server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    // The socket left Node's HTTP handling, its error listener included: a client resetting it must not crash the process.
    socket.on('error', () => socket.destroy());
    const target = request.url ?? '';
    if (!target.startsWith('/')) {
      endSocketWithProblem(socket, {
        type: problemType('bad-request'),
        title: 'Bad Request',
        status: 400,
        detail: 'CONNECT asks for a tunnel to another host; this server is not a proxy (RFC 9110 section 9.3.6).',
      });
      return;
    }
    answerConnectAt(app, request, socket, target).catch(() => socket.destroy());
  });
};

/**
 * The plain 404 page of a page area, for a request fastify never saw: in the reader's language
 * (Accept-Language; no link is looked up outside a request), with the area's stylesheet (each site
 * serves its own under its prefix: `@tss/web-pages` serveStylesheet).
 */
const endSocketWithNotFoundPage = (socket: Duplex, request: IncomingMessage, areaPrefix: string): void => {
  const page = renderPlainPage('notFound', pickLanguage(undefined, request.headers['accept-language']), stylesheetPath(areaPrefix));
  endSocketWithPage(socket, { status: page.status, reason: 'Not Found', html: page.html, headers: pageHeaders() });
};

const answerConnectAt = async (app: FastifyInstance, request: IncomingMessage, socket: Duplex, target: string): Promise<void> => {
  const area = pageAreaAt(app.server, target);
  if (area) {
    endSocketWithNotFoundPage(socket, request, area.prefix);
    return;
  }
  const instance = problemInstanceOf(target);
  const allowed = await allowedMethodsAt(app, target.split('?')[0]);
  if (allowed.length === 0) {
    endSocketWithProblem(socket, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No route CONNECT ${instance}`, instance });
    return;
  }
  endSocketWithProblem(
    socket,
    { type: problemType('method-not-allowed'), title: 'Method Not Allowed', status: 405, detail: `CONNECT is not a method of ${instance}; it takes ${allowed.join(', ')}.`, instance },
    { Allow: allowed.join(', ') },
  );
};
