import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { EdgeConfigSchema, forwardToServices, gatewayService, gatewayTokenAuthority, installEdgeProtection, type ForwardingOptions, type ServiceUrls } from '@tss/gateway';
import { InProcessTransport } from '@tss/messaging';
import { ServiceProcessEnv, startServiceInstance, type ServiceInstance, type ServiceInstanceOptions, type ServiceModule } from '@tss/runtime';
import { loadConfig, systemClock } from '@tss/service-kit';

/**
 * Services mode inside one test: each service its own fastify instance, pool and transport, all
 * on one test database. The first instance started is expected to be the gateway: later ones
 * verify tokens against its JWKS once `listen` has given it an address.
 */
export class ServiceInstances {
  readonly all: ServiceInstance[] = [];
  private gatewayUrl?: string;

  constructor(
    private readonly databaseUrl: string,
    private readonly defaults: Partial<ServiceInstanceOptions> = {},
    private readonly kafkaBrokers = 'unused:9092',
  ) {}

  /** `env`: more of the process's variables (TSS_REQUEST_TIMEOUT_MS), read with the same schema. */
  async start(module: ServiceModule, extra: Partial<ServiceInstanceOptions> = {}, env: Record<string, string> = {}): Promise<ServiceInstance> {
    const config = loadConfig(ServiceProcessEnv, {
      ...env,
      DATABASE_URL: this.databaseUrl,
      KAFKA_BROKERS: this.kafkaBrokers,
      MIGRATE_ON_START: 'true',
      DB_POOL_SIZE: '3',
      TSS_JWKS_URL: this.gatewayUrl ? `${this.gatewayUrl}/.well-known/jwks.json` : undefined,
    });
    const instance = await startServiceInstance(module, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...this.defaults, ...extra, config });
    this.all.push(instance);
    return instance;
  }

  /** Listens on 127.0.0.1 and returns the base URL; the first one becomes the JWKS source. */
  async listen(instance: ServiceInstance): Promise<string> {
    await instance.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(instance.app.server.address() as AddressInfo).port}`;
    this.gatewayUrl ??= url;
    return url;
  }

  async stopAll(): Promise<void> {
    for (const instance of [...this.all].reverse()) for (const closer of instance.closers()) await closer.close();
  }
}

/**
 * The gateway as services mode deploys it, started first (the JWKS source): its edge protection,
 * then forwarding by prefix to the URLs in `urls`, filled in as the services behind it listen.
 */
export const startForwardingGateway = async (
  services: ServiceInstances,
  urls: Record<keyof ServiceUrls, string>,
  options: { forwarding?: Partial<ForwardingOptions>; edge?: Record<string, string>; process?: Record<string, string> } = {},
): Promise<{ instance: ServiceInstance; url: string }> => {
  const instance = await services.start(gatewayService, {
    transport: new InProcessTransport(),
    keySource: (host) => gatewayTokenAuthority(host.dataSource, systemClock),
    beforeRoutes: (app) => installEdgeProtection(app, loadConfig(EdgeConfigSchema, options.edge ?? {})),
    extendApp: async (app) => {
      await app.register(forwardToServices(urls, { timeoutMs: 10_000, ...options.forwarding }));
    },
  }, options.process);
  return { instance, url: await services.listen(instance) };
};
