import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { ServiceProcessEnv, startServiceInstance, type ServiceInstance, type ServiceInstanceOptions, type ServiceModule } from '@tss/runtime';
import { loadConfig } from '@tss/service-kit';

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

  async start(module: ServiceModule, extra: Partial<ServiceInstanceOptions> = {}): Promise<ServiceInstance> {
    const config = loadConfig(ServiceProcessEnv, {
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
