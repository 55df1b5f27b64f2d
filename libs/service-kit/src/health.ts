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

/**
 * `/healthz`: the process is alive. `/readyz`: each check (the hosted services' databases) answers.
 * `/readyz` is public (probes, ingress): it says which check is down, never why. The driver's
 * error (a host and port, an authentication failure's text) goes to the log, once when a check
 * goes down and once when it is back, not at every probe.
 */
export const installHealth = (app: FastifyInstance, checks: () => readonly ReadinessCheck[]): void => {
  const HealthView = {
    type: 'object',
    properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
  } as const;
  /** The last state of each check, so that a change of state is logged, not every probe. */
  const lastDown = new Map<string, boolean>();
  const noteState = (name: string, error: unknown): void => {
    const down = error !== undefined;
    const wasDown = lastDown.get(name) ?? false;
    lastDown.set(name, down);
    if (down && !wasDown) app.log.warn({ check: name, err: error }, 'readiness check down');
    if (!down && wasDown) app.log.info({ check: name }, 'readiness check ok again');
  };
  // `security: []` as on every public route (api-docs.ts declares it there; the probes come before it).
  app.get('/healthz', { config: { public: true }, schema: { tags: ['health'], operationId: 'healthz', summary: 'Liveness', security: [], response: { 200: HealthView } } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: { tags: ['health'], operationId: 'readyz', summary: 'Readiness: the database reachable', security: [], response: { 200: HealthView, 503: { $ref: 'Problem#' } } },
    }, async (_request, reply) => {
    const results = await Promise.all(
      checks().map(async (c) => {
        try {
          await withTimeout(c.check(), READINESS_TIMEOUT_MS);
          noteState(c.name, undefined);
          return [c.name, 'ok'] as const;
        } catch (error) {
          noteState(c.name, error ?? new Error('check failed'));
          return [c.name, 'down'] as const;
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
