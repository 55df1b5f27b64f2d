import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { addScrapePort, removeScrapePort } from './scrape-ports';

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

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The service a route belongs to, for its metrics (`countRoutesAs`). */
    metricsService?: string;
  }
}

/**
 * Routes registered in `scope` from now on are counted under `service`: in single-process mode one
 * app serves every service, and each one's requests keep its name, the value its other metrics
 * (outbox, timers, webhooks…) carry, so one `service` filter shows one service in both modes.
 */
export const countRoutesAs = (scope: FastifyInstance, service: string): void => {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, metricsService: service };
  });
};

/** Records every request's duration in the process registry, under its route's service, else the app's. */
export const installMetrics = (app: FastifyInstance, service: string): void => {
  const histogram = httpDurationHistogram();
  app.addHook('onResponse', async (request, reply) => {
    histogram.observe(
      {
        service: request.routeOptions.config?.metricsService ?? service,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
};

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `/metrics` for Prometheus on its own port (METRICS_PORT), never on the API port: every API
 * request is authenticated, and the scrape port stays inside the cluster (docs/adr/0007).
 */
export const startMetricsServer = async (port: number, host: string): Promise<MetricsServer> => {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }));
      return;
    }
    const registry = metricsRegistry();
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const listening = (server.address() as AddressInfo).port;
  // Its requests are no one's: the tracing instrumentation leaves this port's out (docs/adr/0022).
  addScrapePort(listening);
  return {
    port: listening,
    close: () =>
      new Promise((resolve) => {
        removeScrapePort(listening);
        server.close(() => resolve());
      }),
  };
};
