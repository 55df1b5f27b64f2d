import { bootstrapAdmin, type ServiceUrls } from '@tss/gateway';
import { escalationService } from '@tss/escalation';
import { InProcessTransport } from '@tss/messaging';
import { notificationService } from '@tss/notification';
import { createTestDatabase } from '@tss/persistence/testing';
import { ratingService } from '@tss/rating';
import type { ServiceInstance, ServiceModule } from '@tss/runtime';
import { PlatformClient } from '@tss/runtime/testing';
import { systemClock } from '@tss/service-kit';
import { slaTimerService } from '@tss/sla-timer';
import { ticketIntakeService } from '@tss/ticket-intake';
import { CONDITIONS_ENV, describeConditionsOnTargets } from './support/conditional-routes';
import { ServiceInstances, startForwardingGateway } from './support/service-instances';

const ADMIN = { clientId: 'sc_conditions_admin', clientSecret: 'conditions-admin-secret-0123456789' };

/**
 * RFC 9110 §13.2.1 in services mode as deployed: the gateway forwards If-Match and If-None-Match
 * to the service owning the path, which ignores them for a missing or foreign target as one
 * process does; the gateway's own routes answer the same, and no check of the gateway's answers
 * 412 first (docs/adr/0029, addendum of 2026-12-05, fifth session).
 */
describe('services mode: conditions are ignored where the answer without them would be a refusal (RFC 9110 §13.2.1)', () => {
  describeConditionsOnTargets(async () => {
    const db = await createTestDatabase('conditions_on_targets_services');
    const services = new ServiceInstances(db.url);
    const urls = {} as Record<keyof ServiceUrls, string>;
    const { instance: gateway, url } = await startForwardingGateway(services, urls);
    const instances = new Map<string, ServiceInstance>([['gateway', gateway]]);
    const start = async (module: ServiceModule) => {
      const instance = await services.start(module, { transport: new InProcessTransport(), env: { ...process.env, ...CONDITIONS_ENV } });
      instances.set(module.name, instance);
      return services.listen(instance);
    };
    Object.assign(urls, {
      'ticket-intake': await start(ticketIntakeService),
      'sla-timer': await start(slaTimerService),
      notification: await start(notificationService),
      escalation: await start(escalationService),
      rating: await start(ratingService),
    });
    const host = gateway.host;
    await bootstrapAdmin({ dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock: systemClock, logger: host.logger }, ADMIN);
    const client = new PlatformClient(url);
    return {
      harness: {
        client,
        adminToken: () => client.token(ADMIN.clientId, ADMIN.clientSecret),
        query: (service, sql, params = []) => instances.get(service)!.host.dataSource.query(sql, params),
        documents: () => Promise.all([url, ...Object.values(urls)].map(async (base) => (await new PlatformClient(base).http().get('/openapi.json')).body)),
      },
      stop: async () => {
        await services.stopAll();
        await db.drop();
      },
    };
  });
});
