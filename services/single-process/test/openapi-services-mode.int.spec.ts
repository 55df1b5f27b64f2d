import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parse as parseYaml } from 'yaml';
import { forwardToServices, gatewayService, gatewayTokenAuthority, serveMergedApiDocs, type ServiceUrls } from '@tss/gateway';
import { InProcessTransport } from '@tss/messaging';
import { escalationService } from '@tss/escalation';
import { notificationService } from '@tss/notification';
import { ratingService } from '@tss/rating';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import type { ServiceInstance, ServiceInstanceOptions, ServiceModule } from '@tss/runtime';
import { PlatformClient } from '@tss/runtime/testing';
import { systemClock, type OpenApiDocument } from '@tss/service-kit';
import { freePort, TestClock } from '@tss/service-kit/testing';
import { slaTimerService } from '@tss/sla-timer';
import { ticketIntakeService } from '@tss/ticket-intake';
import { lintOpenApi } from './support/openapi-lint';
import { ServiceInstances } from './support/service-instances';

const RETRY_MS = 5_000;
const REFRESH_MS = 60_000;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const operationKeys = (document: OpenApiDocument): string[] =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) => METHODS.filter((m) => item[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`));

/**
 * Services mode without Kafka: the gateway, ticket-intake and sla-timer each run as their own
 * fastify instance (in-process transports), and the gateway serves one document merged from
 * its own and theirs. notification, escalation and rating are not running at first.
 */
describe('the OpenAPI document, services mode: merged by the gateway', () => {
  const docsClock = new TestClock('2026-02-02T08:00:00.000Z');
  const urls: { -readonly [S in keyof ServiceUrls]: string } = { 'ticket-intake': '', 'sla-timer': '', notification: '', escalation: '', rating: '' };
  let db: TestDatabase;
  let gateway: ServiceInstance;
  let gatewayUrl: string;

  let services: ServiceInstances;
  const listen = (instance: ServiceInstance) => services.listen(instance);
  const start = (module: ServiceModule, extra: Partial<ServiceInstanceOptions> = {}) => services.start(module, { transport: new InProcessTransport(), ...extra });

  const get = (baseUrl: string, path: string) => new PlatformClient(baseUrl).http().get(path);
  const mergedDocument = async (): Promise<OpenApiDocument> => {
    const response = await get(gatewayUrl, '/openapi.json');
    expect(response.status).toBe(200);
    return response.body;
  };

  beforeAll(async () => {
    db = await createTestDatabase('openapi_services_mode');
    services = new ServiceInstances(db.url);
    for (const service of ['notification', 'escalation', 'rating'] as const) urls[service] = `http://127.0.0.1:${await freePort()}`;
    gateway = await start(gatewayService, {
      keySource: (host) => gatewayTokenAuthority(host.dataSource, systemClock),
      extendApp: async (app) => {
        await app.register(forwardToServices(urls, { timeoutMs: 5_000 }));
        serveMergedApiDocs(app, urls, { clock: docsClock, retryMs: RETRY_MS, refreshMs: REFRESH_MS });
      },
    });
    gatewayUrl = await listen(gateway);
    urls['ticket-intake'] = await listen(await start(ticketIntakeService));
    urls['sla-timer'] = await listen(await start(slaTimerService));
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
  });

  it('serves one valid document with the paths of the gateway, ticket-intake and sla-timer', async () => {
    const document = await mergedDocument();

    await expect(SwaggerParser.validate(structuredClone((await get(gatewayUrl, '/openapi.json')).body))).resolves.toBeDefined();
    expect(document.info.title).toBe('TSS API');
    expect(document.info.description).toContain('| `upstream-timeout` | 504 |'); // the problem types, as in one process (docs/problems.md)
    // The deliveries webhooks send are the gateway's to describe, from the contracts, whichever service is up.
    expect(Object.keys((document.webhooks ?? {}) as object)).toEqual(expect.arrayContaining(['ticket.created', 'sla.breached', 'escalation.raised', 'webhook.ping']));
    expect(Object.keys(document.paths ?? {})).toEqual(expect.arrayContaining(['/v1/auth/token', '/v1/partners', '/v1/tickets', '/v1/tickets/{id}', '/v1/tickets/{id}/sla']));
    expect(document.tags?.map((t) => t.name)).toEqual(['gateway', 'health', 'ticket-intake', 'sla-timer']);
    expect(document.components?.securitySchemes).toHaveProperty('bearerAuth');
    expect(document['x-tss-unavailable-services']).toEqual(['notification', 'escalation', 'rating']);
  });

  it('documents every route each instance registers, once, and the health routes of the gateway only', async () => {
    const document = await mergedDocument();
    const documented = operationKeys(document);
    const registered = services.all.flatMap((i) => i.app.apiDocs.registeredRoutes().map((r) => `${r.method} ${r.path}`));

    expect(registered.filter((route) => !documented.includes(route))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
    expect(document.paths?.['/healthz']).toEqual(gateway.app.apiDocs.ownDocument().paths?.['/healthz']);
  });

  it('serves the merged document as YAML and to the docs UI', async () => {
    const document = await mergedDocument();
    expect(document.paths).toHaveProperty(['/v1/tickets/{id}/sla']);

    const yaml = await get(gatewayUrl, '/openapi.yaml');
    expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
    expect(parseYaml(yaml.text)).toEqual(document);
    expect((await get(gatewayUrl, '/docs/json')).body).toEqual(document);
    expect((await get(gatewayUrl, '/docs/')).text).toContain('swagger-ui');
  });

  it('each service still serves only its own document', async () => {
    const intake: OpenApiDocument = (await get(urls['ticket-intake'], '/openapi.json')).body;

    expect(Object.keys(intake.paths ?? {})).toEqual(expect.arrayContaining(['/v1/tickets', '/v1/tickets/{id}']));
    expect(intake.paths).not.toHaveProperty('/v1/auth/token');
    expect(intake.paths).not.toHaveProperty('/v1/tickets/{id}/sla');
  });

  it('asks a service that did not answer again after the retry interval, and merges it once it answers', async () => {
    expect((await mergedDocument())['x-tss-unavailable-services']).toContain('notification');
    urls.notification = await listen(await start(notificationService));

    expect((await mergedDocument())['x-tss-unavailable-services']).toContain('notification');
    docsClock.advanceMs(RETRY_MS);
    expect((await mergedDocument())['x-tss-unavailable-services']).toEqual(['escalation', 'rating']);
  });

  it('answers a 500 problem, not a wrong document, when a service defines a schema differently', async () => {
    const rivalDocument = { openapi: '3.1.0', info: { title: 'TSS rating', version: '0.1.0' }, paths: {}, components: { schemas: { Problem: { type: 'string' } } } };
    const rival = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rivalDocument)));
    await new Promise<void>((resolve) => rival.listen(0, '127.0.0.1', resolve));
    try {
      urls.rating = `http://127.0.0.1:${(rival.address() as AddressInfo).port}`;
      docsClock.advanceMs(RETRY_MS);

      const response = await get(gatewayUrl, '/openapi.json');

      expect(response.status).toBe(500);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      await new Promise((resolve) => rival.close(resolve));
    }
  });

  it("with every service up, the merged document passes Redocly's recommended rules (`redocly lint`), but for the findings that do not apply", async () => {
    urls.escalation = await listen(await start(escalationService));
    urls.rating = await listen(await start(ratingService));
    // Past the refresh too: every service is asked again, rating's rival of the test above replaced.
    docsClock.advanceMs(REFRESH_MS);
    const document = await mergedDocument();

    expect(document['x-tss-unavailable-services']).toBeUndefined();
    expect(await lintOpenApi(document)).toEqual([]);
  });
});
