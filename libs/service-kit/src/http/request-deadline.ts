import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';
import { Type } from '@sinclair/typebox';
import { pageAreaAnswerOf, sendProblem } from '../problem';
import { problemType } from '../problem-types';
import { isUpload } from './upload-routes';

/**
 * How long a request may take to arrive, read by every HTTP server: the gateway in both modes and
 * each service's own (docs/adr/0063, addendum of the sixth session). A client that sends its
 * headers and then its body slowly, or not at all, holds a connection and a request's memory;
 * without a deadline, as many as it opens.
 */
export const RequestDeadlineEnv = {
  TSS_REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 3_600_000,
    default: 30_000,
    description:
      'Deadline for receiving a request: its headers (from its first byte), then its body (from the end of its headers); 408 problem+json, connection closed. Uploads have TSS_UPLOAD_TIMEOUT_MS for their body instead',
  }),
  // An upload's bytes may take a while to come: 27 MiB on an ordinary connection.
  TSS_UPLOAD_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 3_600_000,
    default: 120_000,
    description:
      'Deadline of a multipart upload (attachments, messages with files, the site reply form): the arrival of its body (408, connection closed); services mode: also the forwarded exchange (504 when the service has it and does not answer)',
  }),
};

export interface RequestDeadlines {
  /** TSS_REQUEST_TIMEOUT_MS: the headers, then the body of any request but an upload. */
  requestTimeoutMs: number;
  /** TSS_UPLOAD_TIMEOUT_MS: the body of an upload (upload-routes.ts). */
  uploadTimeoutMs: number;
}

/** The schema's defaults: what a server does when nothing is configured. */
export const DEFAULT_REQUEST_DEADLINES: RequestDeadlines = {
  requestTimeoutMs: RequestDeadlineEnv.TSS_REQUEST_TIMEOUT_MS.default,
  uploadTimeoutMs: RequestDeadlineEnv.TSS_UPLOAD_TIMEOUT_MS.default,
};

export const requestDeadlinesOf = (config: { TSS_REQUEST_TIMEOUT_MS: number; TSS_UPLOAD_TIMEOUT_MS: number }): RequestDeadlines => ({
  requestTimeoutMs: config.TSS_REQUEST_TIMEOUT_MS,
  uploadTimeoutMs: config.TSS_UPLOAD_TIMEOUT_MS,
});

/** Node checks its header and request deadlines every this often at most (its default is 30 s). */
const MAX_CHECKING_INTERVAL_MS = 1_000;

/**
 * Node's own deadlines, for what the hook below cannot see. `headersTimeout` bounds the headers
 * (no fastify hook runs before they are whole), answered by the client-error handler with a 408
 * problem (uri-length.ts). `requestTimeout` is a backstop for the whole request, headers and body:
 * a request the hook did not time (one refused by the router before any hook), cut off with the
 * same answer. It is the headers' deadline plus the upload's, so it never cuts a legitimate upload
 * shorter than TSS_UPLOAD_TIMEOUT_MS. Node checks both only every `connectionsCheckingInterval`,
 * hence an interval no longer than a second (or the deadline itself, when shorter).
 */
export const nodeServerTimeouts = (deadlines: RequestDeadlines): Pick<FastifyServerOptions, 'requestTimeout'> & { http: Record<string, number> } => {
  const requestTimeout = deadlines.requestTimeoutMs + deadlines.uploadTimeoutMs;
  return {
    requestTimeout,
    http: {
      headersTimeout: deadlines.requestTimeoutMs,
      requestTimeout,
      connectionsCheckingInterval: Math.min(MAX_CHECKING_INTERVAL_MS, deadlines.requestTimeoutMs),
    },
  };
};

/**
 * A request whose body has not all arrived within its deadline of the end of its headers (an
 * upload's TSS_UPLOAD_TIMEOUT_MS, any other's TSS_REQUEST_TIMEOUT_MS) is answered 408
 * problem+json (`request-timeout`, its `instance` the loggable path: no link token), or under a
 * page area (answerFrameworkErrorsUnder) that area's plain 408 page, with `Connection: close`,
 * and its connection is closed once the answer is sent; the bytes still to come are not read. A request already answered (a 401 before
 * its body was read) whose body is still arriving at the deadline has its connection closed: the
 * client has its answer, and trickling the rest must not hold the socket.
 *
 * A route reading the body then sees it end early; it checks `reply.sent` before answering.
 * The timer is wall-clock time at the edge, like the rate limit's window: it guards the socket,
 * not a rule of the domain.
 */
export const installRequestDeadline = (app: FastifyInstance, deadlines: RequestDeadlines): void => {
  app.addHook('onRequest', (request, reply, done) => {
    const upload = isUpload(request);
    const timeoutMs = upload ? deadlines.uploadTimeoutMs : deadlines.requestTimeoutMs;
    const timer = setTimeout(() => {
      if (request.raw.complete) return;
      if (reply.sent || reply.raw.headersSent) {
        request.log.info({ timeoutMs }, 'request body still arriving after its answer, past its deadline: connection closed');
        request.raw.socket?.destroy();
        return;
      }
      request.log.info({ timeoutMs, upload }, 'request not received within its deadline');
      reply.raw.once('finish', () => request.raw.destroy());
      reply.header('connection', 'close');
      const detail = upload ? `The upload did not arrive within ${timeoutMs} ms; nothing was stored.` : `The request did not arrive within ${timeoutMs} ms; nothing was done.`;
      // A person's form (`POST /support/…`, `POST /rate/<token>`) is answered by its pages, with the plain 408 page.
      const pageAnswer = pageAreaAnswerOf(request);
      if (pageAnswer) {
        void pageAnswer(Object.assign(new Error(detail), { code: 'TSS_REQUEST_TIMEOUT', statusCode: 408 }) as FastifyError, request, reply);
        return;
      }
      // The path as logs show it: a link's token (`/v1/ratings/<token>`) is never echoed, nor the query.
      void sendProblem(reply, { type: problemType('request-timeout'), title: 'Request Timeout', status: 408, detail });
    }, timeoutMs);
    timer.unref();
    // Answered and read whole: nothing left to time. Answered first (a 401 before the body), the
    // timer stays, to close the connection if the body is still coming at the deadline.
    reply.raw.once('close', () => {
      if (request.raw.complete || request.raw.destroyed) clearTimeout(timer);
    });
    done();
  });
};
