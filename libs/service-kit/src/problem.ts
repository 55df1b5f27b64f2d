import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isConnectionFailure } from './infrastructure-errors';

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'https://tss.dev/problems/';

export const problemType = (slug: string): string => `${PROBLEM_TYPE_BASE}${slug}`;

export type ProblemInput = Pick<Problem, 'type' | 'title' | 'status' | 'detail'> & Record<string, unknown>;

export const sendProblem = (reply: FastifyReply, problem: ProblemInput): FastifyReply =>
  reply
    .code(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({ ...problem, instance: reply.request.url });

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * Every 4xx/5xx leaves as problem+json: schema validation errors, unknown routes, and faults.
 * A database or broker outage is a 503 with Retry-After, never a stack trace.
 */
export const installProblemHandlers = (app: FastifyInstance): void => {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation) {
      return sendProblem(reply, {
        type: problemType('validation'),
        title: 'Your request is not valid',
        status: 400,
        detail: error.message,
        errors: error.validation.map((v) => ({
          in: error.validationContext ?? 'body',
          pointer: v.instancePath || '/',
          message: v.message ?? 'invalid',
          ...(v.params && 'missingProperty' in v.params ? { missingProperty: v.params.missingProperty } : {}),
        })),
      });
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500 && isConnectionFailure(error)) {
      request.log.warn({ err: error }, 'dependency unavailable');
      reply.header('retry-after', '5');
      return sendProblem(reply, {
        type: problemType('unavailable'),
        title: 'Service temporarily unavailable',
        status: 503,
        detail: 'A dependency of this service is unavailable; retry later.',
      });
    }
    if (status >= 500) {
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(reply, { type: problemType('internal'), title: TITLES[500], status: 500 });
    }
    return sendProblem(reply, {
      type: problemType(error.code ? error.code.toLowerCase().replace(/^fst_err_/, '') : 'client-error'),
      title: TITLES[status] ?? 'Client Error',
      status,
      detail: error.message,
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: problemType('not-found'),
      title: TITLES[404],
      status: 404,
      detail: `No route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
};

/** The OpenAPI schema of a problem response, for route `response` maps. */
export const ProblemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { in: { type: 'string' }, pointer: { type: 'string' }, message: { type: 'string' }, missingProperty: { type: 'string' } },
      },
    },
  },
  additionalProperties: true,
} as const;
