import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * One request with any method Node's client sends as named (QUERY, PROPFIND, TRACE: supertest reads
 * `.query` as the query string's, and fetch refuses TRACE), on a connection of its own.
 */
export const requestWithMethod = (baseUrl: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    // No agent: a connection is never reused, whatever the answer says of keeping it.
    const req = httpRequest(`${baseUrl}${path}`, { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: Object.fromEntries(Object.entries(res.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')])),
          text: Buffer.concat(parts).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });

/**
 * `CONNECT <path>` on a fresh connection, as written, read as an answer: Node hands CONNECT to the
 * server's 'connect' listeners, which write on the socket and close it.
 */
export const connectRequest = (baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<RawAnswer & { head: string }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(baseUrl);
    const socket = connect(Number(port), hostname);
    const parts: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.on('end', () => {
      const received = Buffer.concat(parts).toString('utf8');
      const at = received.indexOf('\r\n\r\n');
      const [statusLine, ...fields] = received.slice(0, at).split('\r\n');
      resolve({
        head: statusLine,
        status: Number(statusLine.split(' ')[1]),
        headers: Object.fromEntries(fields.map((field) => [field.slice(0, field.indexOf(':')).toLowerCase(), field.slice(field.indexOf(':') + 1).trim()])),
        text: received.slice(at + 4),
      });
    });
    socket.on('error', reject);
    const lines = Object.entries({ Host: hostname, ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`CONNECT ${path} HTTP/1.1\r\n${lines.join('')}\r\n`);
  });
