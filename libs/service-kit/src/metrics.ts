import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';

/** One Prometheus registry per process: services in single-process mode share it, labelled by service. */
let processRegistry: Registry | undefined;

export const metricsRegistry = (): Registry => {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
};

let httpDuration: Histogram<'service' | 'method' | 'route' | 'status_code'> | undefined;
const httpDurationHistogram = () => {
  httpDuration ??= new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by service, method, route and status',
    labelNames: ['service', 'method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metricsRegistry()],
  });
  return httpDuration;
};

export const installMetrics = (app: FastifyInstance, service: string): void => {
  const histogram = httpDurationHistogram();
  app.addHook('onResponse', async (request, reply) => {
    histogram.observe(
      { service, method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const registry = metricsRegistry();
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
