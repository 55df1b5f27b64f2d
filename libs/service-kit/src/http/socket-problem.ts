import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE } from '../problem';
import type { ProblemTypeUri } from '../problem-types';

/** A problem written on a socket fastify never saw: no `reply` to send it with. */
export interface SocketProblem {
  type: ProblemTypeUri;
  title: string;
  status: number;
  detail: string;
  instance?: string;
}

/** A person's page written on a socket fastify never saw: its status line, its HTML and the headers pages carry. */
export interface SocketPage {
  status: number;
  /** The status line's reason phrase (`Not Found`). */
  reason: string;
  html: string;
  /** The page's own headers (Content-Type, Content-Security-Policy, Cache-Control…). */
  headers: Readonly<Record<string, string>>;
}

/** Writes one whole response by hand and closes the connection: nothing after it on the socket can be read as HTTP. */
const endSocketWith = (socket: Duplex, statusLine: string, body: string, fields: Readonly<Record<string, string>>): void => {
  const head = Object.entries({ ...fields, 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${statusLine}\r\n${head}\r\n${body}`);
};

/**
 * Answers a request Node handled before fastify (a parser error, a CONNECT) with a problem+json
 * response written by hand, then closes the connection.
 */
export const endSocketWithProblem = (socket: Duplex, problem: SocketProblem, fields: Readonly<Record<string, string>> = {}): void =>
  // With the charset fastify gives every other problem it sends.
  endSocketWith(socket, `${problem.status} ${problem.title}`, JSON.stringify(problem), { 'Content-Type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`, ...fields });

/**
 * The same for a request under a person's pages (`/rate`, `/support`: a CONNECT there), which get
 * a page, never problem+json: the page with its own headers, then the connection closes.
 */
export const endSocketWithPage = (socket: Duplex, page: SocketPage): void => endSocketWith(socket, `${page.status} ${page.reason}`, page.html, page.headers);
