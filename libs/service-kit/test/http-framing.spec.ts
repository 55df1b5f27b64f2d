import { connect, type AddressInfo } from 'node:net';
import pino from 'pino';
import { installAuthentication } from '../src/auth/authenticate';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { answerFrameworkErrorsUnder } from '../src/problem';
import { err } from '../src/result';

const BODY_LIMIT_BYTES = 1024;

/**
 * One exchange on a fresh connection, byte for byte as written (no client library would send two
 * Host lines). Resolves with what the server wrote once it closes, or once `until` has been seen.
 */
const exchange = (address: AddressInfo, head: string, options: { until?: RegExp; thenSend?: string } = {}): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect(address.port, address.address);
    let received = '';
    let sentRest = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, 3000);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (options.thenSend !== undefined && !sentRest && /^HTTP\/1\.1 100 Continue\r\n\r\n/.test(received)) {
        sentRest = true;
        socket.write(options.thenSend);
      }
      if (options.until?.test(received)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('error', reject);
    socket.write(head);
  });

const bodyOf = (response: string): Record<string, unknown> => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;

// RFC 9112 section 3.2 and RFC 9110 sections 5.3 and 10.1.1, as an outside test found them:
// two Authorization lines were read as the first, two Host lines answered 200, no Host answered an
// empty 400, and a body over the limit announced with Expect: 100-continue first got 100 Continue.
describe('HTTP framing at the edge: repeated fields, Host and Expect: 100-continue', () => {
  let app: ServiceApp;
  let address: AddressInfo;
  const handled: unknown[] = [];

  beforeAll(async () => {
    app = await createServiceApp({ name: 'framing', logger: pino({ level: 'silent' }), bodyLimitBytes: BODY_LIMIT_BYTES });
    installAuthentication(app, { verify: async () => err({ kind: 'missing' as const }) });
    app.get('/things', { config: { public: true } }, async (request) => ({ authorization: request.headers.authorization ?? null }));
    app.post('/things', { config: { public: true } }, async (request) => {
      handled.push(request.body);
      return { received: request.body };
    });
    app.post('/private', async () => ({ ok: true }));
    // A person's pages (a page area, as the rating page's): their refusals are pages, and the only
    // methods they take GET and POST, as services mode's gateway forwards `/rate` (no 404 handler of their own).
    answerFrameworkErrorsUnder(app, '/rate', (error, _request, reply) => reply.code(error.statusCode ?? 404).type('text/html').send(`<p>plain page ${error.statusCode}</p>`));
    app.route({ method: ['GET', 'POST'], url: '/rate/*', config: { public: true }, handler: async () => 'the rating page' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    address = app.server.address() as AddressInfo;
  });

  afterAll(async () => {
    await app.close();
  });

  const expectBadRequest = (response: string, detail: RegExp) => {
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toMatch(/\r\ncontent-type: application\/problem\+json; charset=utf-8\r\n/i);
    expect(bodyOf(response)).toMatchObject({ type: 'https://tss.dev/problems/bad-request', status: 400, detail: expect.stringMatching(detail) });
  };

  it('RFC 9110 §5.3: two Authorization fields are a 400 problem, not the first one read', async () => {
    const response = await exchange(address, 'GET /things HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer one\r\nAuthorization: Bearer two\r\nConnection: close\r\n\r\n');
    expectBadRequest(response, /authorization/);
  });

  it('two Content-Type fields are a 400 problem', async () => {
    const body = '{"name":"x"}';
    const response = await exchange(
      address,
      `POST /things HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expectBadRequest(response, /content-type/);
    expect(handled).toHaveLength(0);
  });

  it('RFC 9112 §3.2: two Host fields are a 400 problem', async () => {
    expectBadRequest(await exchange(address, 'GET /things HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n'), /host/);
  });

  it('RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400 problem, not an empty 400; HTTP/1.0 needs none', async () => {
    expectBadRequest(await exchange(address, 'GET /things HTTP/1.1\r\nConnection: close\r\n\r\n'), /Host/);
    expect(await exchange(address, 'GET /things HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('one Authorization and one Host still pass', async () => {
    const response = await exchange(address, 'GET /things HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer one\r\nConnection: close\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(bodyOf(response)).toEqual({ authorization: 'Bearer one' });
  });

  it('RFC 9110 §10.1.1: Expect: 100-continue with a length over the limit gets 413 at once, without 100 Continue', async () => {
    const response = await exchange(
      address,
      `POST /things HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT_BYTES * 10}\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).not.toContain('100 Continue');
    expect(bodyOf(response)).toMatchObject({ type: 'https://tss.dev/problems/payload-too-large' });
  });

  it('Expect: 100-continue on a route that refuses the caller gets its 401 without 100 Continue', async () => {
    const response = await exchange(address, 'POST /private HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 401 /);
    expect(response).not.toContain('100 Continue');
  });

  it('Expect: 100-continue within the limit gets 100 Continue, then the body is read and answered', async () => {
    const body = '{"name":"x"}';
    const response = await exchange(
      address,
      `POST /things HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
      { thenSend: body, until: /\r\n\r\n\{"received":\{"name":"x"\}\}$/ },
    );
    expect(response).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(handled.at(-1)).toEqual({ name: 'x' });
  });

  // An outside test: `CONNECT /v1/tickets HTTP/1.1` had its connection closed without a byte (Node
  // emits 'connect' and, with no listener, destroys the socket), while other methods got a problem.
  describe('CONNECT: this server is no proxy, and says so', () => {
    it('on a path some route serves: a 405 problem whose Allow lists the methods it takes, then the connection closes', async () => {
      const response = await exchange(address, 'CONNECT /things HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(response).toMatch(/^HTTP\/1\.1 405 /);
      expect(response).toMatch(/\r\ncontent-type: application\/problem\+json; charset=utf-8\r\n/i);
      expect(response).toMatch(/\r\nallow: GET, HEAD, POST, OPTIONS\r\n/i);
      expect(response).toMatch(/\r\nconnection: close\r\n/i);
      expect(bodyOf(response)).toMatchObject({ type: 'https://tss.dev/problems/method-not-allowed', status: 405, instance: '/things' });
    });

    it('on a path no route serves: the 404 any method gets there', async () => {
      const response = await exchange(address, 'CONNECT /nothing-here HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(response).toMatch(/^HTTP\/1\.1 404 /);
      expect(bodyOf(response)).toMatchObject({ type: 'https://tss.dev/problems/not-found', status: 404 });
    });

    it('for a tunnel to a host and port (authority-form): a 400 problem', async () => {
      const response = await exchange(address, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
      expect(response).toMatch(/^HTTP\/1\.1 400 /);
      expect(bodyOf(response)).toMatchObject({ type: 'https://tss.dev/problems/bad-request', status: 400, detail: expect.stringContaining('proxy') });
    });

    it('under a page area (answerFrameworkErrorsUnder): the plain 404 page any other method gets there, in the reader’s language, then the connection closes', async () => {
      const response = Buffer.from(await exchange(address, 'CONNECT /rate/abc HTTP/1.1\r\nHost: a\r\nAccept-Language: ru\r\n\r\n'), 'latin1').toString('utf8');
      expect(response).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
      expect(response).toMatch(/\r\ncontent-type: text\/html; charset=utf-8\r\n/i);
      expect(response).toMatch(/\r\ncontent-security-policy: default-src 'none'/i);
      expect(response).toMatch(/\r\nconnection: close\r\n/i);
      const page = response.slice(response.indexOf('\r\n\r\n') + 4);
      expect(page).toMatch(/^<!doctype html>\n<html lang="ru">/);
      expect(page).toContain('Страница не найдена');
      expect(page).toContain('href="/rate/assets/pages.');
      expect(Buffer.byteLength(page)).toBe(Number(/\r\ncontent-length: (\d+)\r\n/i.exec(response)?.[1]));
    });

    it('the server serves on afterwards', async () => {
      await exchange(address, 'CONNECT /things HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(await exchange(address, 'GET /things HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    });
  });

  // RFC 10008 §2: fastify refuses a QUERY without Content-Type before it asks for the route, so a path
  // nothing serves answered 400 "must provide a Content-Type" where every other method gets the 404.
  describe('QUERY, which no route takes, is answered by its path as any other such method', () => {
    it.each([
      ['without Content-Type', ''],
      ['with Content-Type', 'Content-Type: application/json\r\nContent-Length: 2\r\n'],
    ])('on a path no route serves, %s: the 404', async (_case, fields) => {
      const response = await exchange(address, `QUERY /nothing-here HTTP/1.1\r\nHost: a\r\n${fields}Connection: close\r\n\r\n${fields ? '{}' : ''}`);
      expect(response).toMatch(/^HTTP\/1\.1 404 /);
      expect(bodyOf(response)).toMatchObject({ type: 'https://tss.dev/problems/not-found', status: 404 });
    });

    it('on a path some route serves, without Content-Type: the 405 with Allow', async () => {
      const response = await exchange(address, 'QUERY /things HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      expect(response).toMatch(/^HTTP\/1\.1 405 /);
      expect(response).toMatch(/\r\nallow: GET, HEAD, POST, OPTIONS\r\n/i);
      expect(bodyOf(response)).toMatchObject({ type: 'https://tss.dev/problems/method-not-allowed' });
    });
  });

  // A method no route takes under a page area is its page, as under the app's own: services mode's
  // gateway answered OPTIONS, PROPFIND and TRACE under `/rate` with the 404 problem, QUERY the 400.
  describe('under a page area (answerFrameworkErrorsUnder), a method no route takes is the area’s 404 page', () => {
    it.each([['PUT'], ['OPTIONS'], ['PROPFIND'], ['TRACE'], ['QUERY']])('%s /rate/abc: the area’s page with 404', async (method) => {
      const response = await exchange(address, `${method} /rate/abc HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
      expect(response).toMatch(/^HTTP\/1\.1 404 /);
      expect(response).toMatch(/\r\ncontent-type: text\/html/i);
      expect(response.slice(response.indexOf('\r\n\r\n') + 4)).toBe('<p>plain page 404</p>');
    });
  });
});
