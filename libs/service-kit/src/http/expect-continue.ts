import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * `Expect: 100-continue` (RFC 9110 section 10.1.1): Node answers `100 Continue` as soon as the
 * headers arrive, so a client got it, sent its body, and only then heard 413 (a declared length
 * over the limit), 401 or 429. Here the interim answer goes out when something starts to read the
 * body, which is after the route's checks: a request refused before its body is read gets its
 * final status alone, and Node closes that connection (the client may still send the body).
 */
export const deferContinueUntilRead = (server: Server): void => {
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    const sendContinue = (): void => {
      request.off('newListener', onListener);
      request.off('resume', sendContinue);
      if (!response.headersSent && !response.writableEnded) response.writeContinue();
    };
    // Every way of reading a stream attaches one of these, or resumes it (pipe does both).
    const onListener = (event: string | symbol): void => {
      if (event === 'data' || event === 'readable') sendContinue();
    };
    request.on('newListener', onListener);
    request.on('resume', sendContinue);
    server.emit('request', request, response);
  });
};
