import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problem';
import { problemType } from './problem-types';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects otherwise. */
  check(): Promise<void>;
}

const READINESS_TIMEOUT_MS = 2_000;

const withTimeout = (promise: Promise<void>, ms: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/** `/healthz`: the process is alive. `/readyz`: its database and broker answer. */
export const installHealth = (app: FastifyInstance, checks: () => readonly ReadinessCheck[]): void => {
  const HealthView = {
    type: 'object',
    properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
  } as const;
  app.get('/healthz', { config: { public: true }, schema: { tags: ['health'], operationId: 'healthz', summary: 'Liveness', response: { 200: HealthView } } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: { tags: ['health'], operationId: 'readyz', summary: 'Readiness: database and broker reachable', response: { 200: HealthView, 503: { $ref: 'Problem#' } } },
    }, async (_request, reply) => {
    const results = await Promise.all(
      checks().map(async (c) => {
        try {
          await withTimeout(c.check(), READINESS_TIMEOUT_MS);
          return [c.name, 'ok'] as const;
        } catch (error) {
          return [c.name, `down: ${(error as Error).message}`] as const;
        }
      }),
    );
    const report = Object.fromEntries(results);
    if (results.some(([, state]) => state !== 'ok')) {
      return sendProblem(reply, { type: problemType('not-ready'), title: 'Not ready', status: 503, checks: report });
    }
    return { status: 'ready', checks: report };
  });
};
