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

/**
 * Answers a request Node handled before fastify (a parser error, a CONNECT) with a problem+json
 * response written by hand, then closes the connection: nothing after it on the socket can be read
 * as HTTP.
 */
export const endSocketWithProblem = (socket: Duplex, problem: SocketProblem, fields: Readonly<Record<string, string>> = {}): void => {
  const body = JSON.stringify(problem);
  const head = Object.entries({ 'Content-Type': PROBLEM_CONTENT_TYPE, 'Content-Length': String(Buffer.byteLength(body)), ...fields, Connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${problem.status} ${problem.title}\r\n${head}\r\n${body}`);
};
