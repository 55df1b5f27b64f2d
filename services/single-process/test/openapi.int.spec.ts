import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { parse as parseYaml } from 'yaml';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient } from '@tss/runtime/testing';
import { createServiceApp, HEALTH_TAG, installApiDocs, PROBLEM_TYPES, type OpenApiDocument, type ServiceApp } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { EventCatalogue, serviceForPath, type EventContract } from '@tss/contracts';
import { ALL_SERVICES, startSingleProcessPlatform, type RunningPlatform } from '../src/single-process-platform';
import { lintOpenApi } from './support/openapi-lint';

type Operation = {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: { content?: Record<string, { schema?: unknown; example?: unknown; examples?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Every operation of a document, with its method and path. */
const operationsOf = (document: OpenApiDocument): { method: string; path: string; operation: Operation }[] =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((method) => ({ method, path, operation: item[method] as Operation })),
  );

describe('the OpenAPI document, single-process mode', () => {
  let db: TestDatabase;
  let running: RunningPlatform;
  let client: PlatformClient;
  let document: OpenApiDocument;
  let blobRoot: string;

  beforeAll(async () => {
    db = await createTestDatabase('openapi');
    // The examples of a message with its files store them.
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-openapi-blobs-'));
    running = await startSingleProcessPlatform({
      databaseUrl: db.url,
      clock: new TestClock('2026-02-02T08:00:00.000Z'),
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      env: { ATTACHMENT_DIR: blobRoot },
      issuer: 'tss',
      audience: 'tss-api',
    });
    client = new PlatformClient(running.platform.app.server);
    const response = await client.http().get('/openapi.json');
    expect(response.status).toBe(200);
    document = response.body;
  });

  afterAll(async () => {
    await running?.platform.stop();
    await db?.drop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  it('is a valid OpenAPI 3.1 document, in JSON and in YAML, without a token', async () => {
    expect(document.openapi).toBe('3.1.0');
    const fetched = await client.http().get('/openapi.json');
    await expect(SwaggerParser.validate(structuredClone(fetched.body))).resolves.toBeDefined();

    const yaml = await client.http().get('/openapi.yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
    expect(parseYaml(yaml.text)).toEqual(document);
  });

  it("passes Redocly's recommended rules (`redocly lint`), struct included, but for the findings that do not apply", async () => {
    expect(await lintOpenApi((await client.http().get('/openapi.json')).body)).toEqual([]);
  });

  it('names its server, and declares the probes public (`security: []`) as every other public operation', () => {
    const probes = ['/healthz', '/readyz'].map((path) => (document.paths?.[path]?.get as Operation | undefined)?.security);

    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(probes).toEqual([[], []]);
  });

  it("types each header of an attachment's download once, not a schema wrapped in a schema", () => {
    type Header = { schema?: Record<string, unknown>; description?: string };
    const headers = ((document.paths?.['/v1/tickets/{id}/attachments/{attachmentId}']?.get as Operation | undefined)?.responses?.['200'] as { headers?: Record<string, Header> })?.headers ?? {};

    expect(headers['content-disposition']).toEqual({ description: expect.stringContaining('attachment; filename='), schema: { type: 'string' } });
    expect(headers['x-content-type-options']).toEqual({ schema: { type: 'string', enum: ['nosniff'] } });
  });

  it('its description lists every problem type an operation may answer, with its status, and points to docs/problems.md', () => {
    const description = document.info.description ?? '';

    expect(description).toContain('docs/problems.md');
    expect(Object.entries(PROBLEM_TYPES).filter(([type, { status }]) => !description.includes(`| \`${type}\` | ${status} |`)).map(([type]) => type)).toEqual([]);
  });

  it('describes in `webhooks` every event a delivery may carry, its data the contract’s schema; escalation events as staff-only', async () => {
    type Webhook = { post: { operationId: string; description: string; 'x-tss-staff-only': boolean; requestBody: { content: { 'application/json': { schema: { properties: Record<string, { const?: string }> & { data: unknown } } } } } } };
    const webhooks = (document.webhooks ?? {}) as Record<string, Webhook>;
    const admin = await client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret);
    const acme = await client.partner(admin, 'Acme Webhook Docs');
    // What notification delivers, asked of notification itself: a filter naming an event it never delivers is refused by index.
    // A problem lists 10 errors at most (docs/adr/0036), so nine types at a time, beside one that is always refused (no endpoint is made).
    const refusedOf = async (token: string, eventTypes: string[]) => {
      const refused = new Set<string>();
      for (let from = 0; from < eventTypes.length; from += 9) {
        const asked = ['no.such_event', ...eventTypes.slice(from, from + 9)];
        const response = await client.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: 'https://hooks.example.com/tss', eventTypes: asked });
        expect(response.status).toBe(400);
        expect(response.body.errorCount).toBe(response.body.errors.length);
        for (const e of response.body.errors as { pointer: string }[]) refused.add(asked[Number(e.pointer.split('/').pop())]);
      }
      refused.delete('no.such_event');
      return refused;
    };
    const catalogueTypes = [...new Set(EventCatalogue.map((c) => c.type))];
    const notDelivered = await refusedOf(admin, catalogueTypes);
    // A ping is not subscribed to: its owner asks for it (POST /v1/webhooks/endpoints/{id}/ping).
    const delivered = [...catalogueTypes.filter((t) => !notDelivered.has(t)), 'webhook.ping'].sort();
    const staffOnly = await refusedOf(acme.token, delivered.filter((t) => t !== 'webhook.ping'));
    const expectedData = (contract: EventContract) => {
      const schema = JSON.parse(JSON.stringify(contract.schema)) as { properties: Record<string, unknown>; required?: string[] };
      delete schema.properties.inTransit; // never delivered (P9, docs/adr/0070)
      if (schema.required) schema.required = schema.required.filter((name) => name !== 'inTransit');
      return schema;
    };

    expect(delivered).toEqual(expect.arrayContaining(['ticket.created', 'sla.breached', 'escalation.raised', 'rating.requested']));
    expect(Object.keys(webhooks).sort()).toEqual(delivered);
    for (const type of delivered) {
      const [contract, ...others] = EventCatalogue.filter((c) => c.type === type);
      const body = webhooks[type].post.requestBody.content['application/json'].schema;
      expect(others).toEqual([]); // one version of each today; a V2 makes `data` a oneOf
      expect([type, body.properties.type.const, body.properties.dataschema.const]).toEqual([type, type, `urn:tss:event:${type}:v${contract.version}`]);
      expect([type, body.properties.data]).toEqual([type, expectedData(contract)]);
      expect([type, webhooks[type].post['x-tss-staff-only']]).toEqual([type, staffOnly.has(type)]);
    }
    // Escalations, and a referral's application or refusal (internal on the history too: docs/adr/0039).
    expect([...staffOnly].sort()).toEqual(delivered.filter((t) => t.startsWith('escalation.') || t === 'ticket.referral_applied' || t === 'ticket.referral_rejected'));
    expect(webhooks['escalation.raised'].post.description).toMatch(/An endpoint of a partner.*never receives it/);
  });

  it('documents every route the services register, with its method', () => {
    const registered = running.platform.app.apiDocs.registeredRoutes();
    const documented = new Set(operationsOf(document).map((o) => `${o.method.toUpperCase()} ${o.path}`));

    expect(registered.length).toBeGreaterThan(5);
    expect(registered.map((r) => `${r.method} ${r.path}`).filter((route) => !documented.has(route))).toEqual([]);
    expect(registered.map((r) => r.path)).toEqual(expect.arrayContaining(['/v1/tickets', '/v1/tickets/{id}', '/v1/tickets/{id}/sla', '/v1/auth/token', '/v1/partners']));
  });

  it("every route's schemas compile: validators and serializers are compiled at first use (docs/adr/0075), so a broken one is found here, not by a start", () => {
    // What the requests of the tests before this one left: 970 of them when this was written.
    expect(running.platform.app.compileRouteSchemas()).toBeGreaterThan(500);
    expect(running.platform.app.compileRouteSchemas()).toBe(0);
  });

  it('gives every operation a unique operationId and the tag of its service, described at the top', () => {
    const operations = operationsOf(document);
    const ids = operations.map((o) => o.operation.operationId);

    expect(ids.filter((id) => typeof id !== 'string' || id === '')).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const serviceTags = new Set<string>([...ALL_SERVICES.map((s) => s.name), 'health']);
    expect(operations.filter((o) => o.operation.tags?.length !== 1 || !serviceTags.has(o.operation.tags[0])).map((o) => o.operation.operationId)).toEqual([]);
    expect(operationsOf(document).find((o) => o.operation.operationId === 'getTicketSla')?.operation.tags).toEqual(['sla-timer']);
    const used = new Set(operations.flatMap((o) => o.operation.tags ?? []));
    // Each service's tag is described by its module (docs/adr/0015), health by the docs plugin.
    const described: Record<string, string> = { ...Object.fromEntries(ALL_SERVICES.map((s) => [s.name, s.description])), ...HEALTH_TAG };
    expect(document.tags).toEqual(Object.entries(described).filter(([name]) => used.has(name)).map(([name, description]) => ({ name, description })));
    expect(document.tags?.map((t) => t.name)).toEqual(expect.arrayContaining(['gateway', 'ticket-intake', 'sla-timer', 'health']));
  });

  it('declares bearer authentication, and 401 and 403 problems on every operation that needs a token', () => {
    expect(document.components?.securitySchemes).toEqual({ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
    const authenticated = operationsOf(document).filter((o) => o.operation.security?.some((s) => 'bearerAuth' in s));

    expect(authenticated.map((o) => o.operation.operationId)).toEqual(expect.arrayContaining(['fileTicket', 'getTicket', 'getTicketSla', 'createPartner']));
    expect(authenticated.filter((o) => !o.operation.responses?.['401'] || !o.operation.responses?.['403']).map((o) => o.operation.operationId)).toEqual([]);
    expect(operationsOf(document).find((o) => o.operation.operationId === 'issueToken')?.operation.security).toEqual([]);
  });

  it('declares the 400 validation problem on every operation that takes parameters or a body', () => {
    const validating = operationsOf(document).filter((o) => o.operation.parameters?.length || o.operation.requestBody);

    expect(validating.map((o) => o.operation.operationId)).toEqual(expect.arrayContaining(['fileTicket', 'getTicket', 'getTicketSla']));
    expect(validating.filter((o) => !o.operation.responses?.['400']).map((o) => o.operation.operationId)).toEqual([]);
  });

  it('describes every request body with a schema and every error with the Problem schema as problem+json', () => {
    const operations = operationsOf(document);
    const bodiesWithoutSchema = operations.filter((o) => o.operation.requestBody && Object.values(o.operation.requestBody.content ?? {}).some((m) => !m.schema));
    const errorsNotProblem = operations.flatMap((o) =>
      Object.entries(o.operation.responses ?? {})
        .filter(([status]) => /^[45]/.test(status))
        .filter(([, response]) => Object.keys(response.content ?? {}).join() !== 'application/problem+json' || response.content?.['application/problem+json']?.schema?.$ref !== '#/components/schemas/Problem')
        .map(([status]) => `${o.operation.operationId} ${status}`),
    );

    expect(operations.filter((o) => o.operation.requestBody).length).toBeGreaterThan(1);
    expect(bodiesWithoutSchema.map((o) => o.operation.operationId)).toEqual([]);
    expect(errorsNotProblem).toEqual([]);
    expect(document.components?.schemas?.Problem).toMatchObject({ required: ['type', 'title', 'status'] });
  });

  it('issue #9: every ticket-intake operation shows examples of its body and of the ticket it names', () => {
    type Media = { example?: unknown; examples?: unknown; schema?: { examples?: unknown; example?: unknown } };
    type Parameter = { in: string; name: string; example?: unknown; examples?: unknown; schema?: { examples?: unknown; example?: unknown } };
    const hasExample = (x: Media | Parameter | undefined) => Boolean(x && (x.example ?? x.examples ?? x.schema?.examples ?? x.schema?.example));
    const missing = operationsOf(document)
      .filter(({ path }) => serviceForPath(path.replace(/\{[^}]+\}/g, 'x')) === 'ticket-intake')
      .flatMap(({ method, path, operation }) => {
        const bodies = Object.entries((operation.requestBody?.content ?? {}) as Record<string, Media>).filter(([type]) => type === 'application/json');
        const ticketParam = ((operation.parameters ?? []) as Parameter[]).find((p) => p.in === 'path' && p.name === 'id');
        return [
          ...bodies.filter(([, media]) => !hasExample(media)).map(() => `${method} ${path}: body`),
          ...(ticketParam && !hasExample(ticketParam) ? [`${method} ${path}: id`] : []),
        ];
      });
    expect(missing).toEqual([]);
  });

  describe('the message body, as JSON and as multipart/form-data', () => {
    type Schema = { type?: string; format?: string; properties?: Record<string, Schema>; items?: Schema; required?: string[]; additionalProperties?: boolean; examples?: unknown[] };
    type Media = { schema?: Schema; example?: unknown; examples?: Record<string, { value?: unknown }> };
    const contentOf = () => (operationsOf(document).find((o) => o.operation.operationId === 'postMessage')?.operation.requestBody?.content ?? {}) as Record<string, Media>;
    const examplesOf = (media: Media): Record<string, unknown>[] =>
      [media.example, ...Object.values(media.examples ?? {}).map((e) => e.value), ...(media.schema?.examples ?? [])].filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
    const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

    it('describes each media type with its own schema: the form takes files and attachment ids, JSON no files', () => {
      const content = contentOf();
      const json = content['application/json']?.schema;
      const form = content['multipart/form-data']?.schema;

      expect(Object.keys(content).sort()).toEqual(['application/json', 'multipart/form-data']);
      expect(Object.keys(json?.properties ?? {}).sort()).toEqual(['attachmentIds', 'body', 'channel', 'visibility']);
      expect(Object.keys(form?.properties ?? {}).sort()).toEqual(['attachmentIds', 'body', 'channel', 'file', 'visibility']);
      expect(form).toMatchObject({ type: 'object', additionalProperties: false, required: ['body'] });
      expect(form?.properties?.file).toMatchObject({ type: 'array', maxItems: 20, items: { type: 'string', format: 'binary' } });
      expect(form?.properties?.attachmentIds).toMatchObject({ type: 'array', items: { type: 'string', format: 'uuid' } });
      expect(examplesOf(content['multipart/form-data'] ?? {}).length).toBeGreaterThan(0);
    });

    it('every example of each media type is accepted as the document gives it (201)', async () => {
      const admin = await client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret);
      const acme = await client.partner(admin, 'Acme Examples');
      const agent = await client.staff(admin, ['agent'], 'Example Agent');
      const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send({ product: 'reader', productVersion: '4', description: 'Crash' });
      const schemaOf = (type: string) => contentOf()[type]?.schema ?? {};
      const answers: { type: string; example: unknown; status: number; detail?: string }[] = [];
      for (const [type, media] of Object.entries(contentOf())) {
        for (const example of examplesOf(media)) {
          // Internal notes are for staff (P7); everything else as the partner.
          const token = example.visibility === 'internal' ? agent.token : acme.token;
          const request = client.http().post(`/v1/tickets/${filed.body.id}/messages`).auth(token, { type: 'bearer' });
          let sent;
          if (type === 'multipart/form-data') {
            for (const [name, value] of Object.entries(example)) {
              const binary = schemaOf(type).properties?.[name]?.items?.format === 'binary';
              for (const item of Array.isArray(value) ? value : [value]) {
                if (binary) request.attach(name, PNG, 'example.png');
                else request.field(name, String(item));
              }
            }
            sent = await request;
          } else {
            sent = await request.send(example);
          }
          answers.push({ type, example, status: sent.status, ...(sent.status === 201 ? {} : { detail: sent.body.detail }) });
        }
      }

      expect(answers.map((a) => a.type)).toEqual(expect.arrayContaining(['application/json', 'multipart/form-data']));
      expect(answers.filter((a) => a.status !== 201)).toEqual([]);
    });
  });

  it('a query parameter with a default is optional: validation fills it in when it is left out', () => {
    type Parameter = { in: string; name: string; required?: boolean; schema?: { default?: unknown } };
    const parameters = operationsOf(document).flatMap(({ operation }) =>
      ((operation.parameters ?? []) as Parameter[]).filter((p) => p.in === 'query').map((p) => ({ operationId: operation.operationId, ...p })),
    );
    const defaulted = parameters.filter((p) => p.schema?.default !== undefined);

    expect(defaulted.map((p) => `${p.operationId} ${p.name}`)).toEqual(expect.arrayContaining(['listOutgoingMail limit', 'listTickets limit']));
    expect(defaulted.filter((p) => p.required !== false).map((p) => `${p.operationId} ${p.name}`)).toEqual([]);
  });

  it('describes the response headers the routes send, once each under components.headers', () => {
    type Response = { headers?: Record<string, { $ref?: string }> };
    const headersOf = (operationId: string, status: string) =>
      Object.keys((operationsOf(document).find((o) => o.operation.operationId === operationId)?.operation.responses?.[status] as Response | undefined)?.headers ?? {});
    const responses = operationsOf(document).flatMap(({ operation }) =>
      Object.entries((operation.responses ?? {}) as Record<string, Response>).map(([status, response]) => ({ operationId: operation.operationId, status, headers: Object.keys(response.headers ?? {}) })),
    );
    const RATE_LIMIT = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

    expect(Object.keys(document.components?.headers ?? {}).sort()).toEqual([
      'Cache-Control',
      'ETag',
      'Idempotent-Replayed',
      'Location',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'Retry-After',
      'WWW-Authenticate',
    ]);
    // Every 201 names what it created (docs/adr/0065); every 429 and 503 says when to retry.
    expect(responses.filter((r) => r.status === '201' && !r.headers.includes('Location')).map((r) => r.operationId)).toEqual([]);
    expect(responses.filter((r) => ['429', '503'].includes(r.status) && !r.headers.includes('Retry-After')).map((r) => `${r.operationId} ${r.status}`)).toEqual([]);
    expect(responses.filter((r) => r.status === '429' && !RATE_LIMIT.every((h) => r.headers.includes(h))).map((r) => r.operationId)).toEqual([]);
    expect(headersOf('fileTicket', '201')).toEqual(expect.arrayContaining(['Location', 'ETag', 'Idempotent-Replayed', ...RATE_LIMIT]));
    expect(headersOf('getTicket', '200')).toEqual(expect.arrayContaining(['ETag', ...RATE_LIMIT]));
    expect(headersOf('getTicket', '304')).toEqual(expect.arrayContaining(['ETag']));
    expect(headersOf('changeTicket', '200')).toContain('ETag');
    expect(headersOf('putEscalationRoster', '200')).toContain('ETag');
    expect(headersOf('createReferral', '202')).toContain('Location');
    expect(headersOf('createSiteLink', '503')).toContain('Retry-After');
    expect(headersOf('fileTicket', '409')).toContain('Retry-After');
    expect(headersOf('listTickets', '200')).not.toContain('ETag');
    expect(headersOf('listTickets', '200')).not.toContain('Location');
    // Every 401 names how to authenticate (RFC 9110 §15.5.2, docs/auth.md).
    expect(responses.filter((r) => r.status === '401' && !r.headers.includes('WWW-Authenticate')).map((r) => r.operationId)).toEqual([]);
    expect(responses.filter((r) => r.status !== '401' && r.headers.includes('WWW-Authenticate')).map((r) => `${r.operationId} ${r.status}`)).toEqual([]);
    // Cache-Control where it is sent: answers that show a secret or credential once, the token
    // endpoint's every answer, an attachment's bytes, the key set; nowhere else.
    const CACHE_CONTROLLED = [
      'issueToken 200',
      'issueToken 400',
      'issueToken 401',
      'issueRequesterToken 200',
      'createPartnerClient 201',
      'rotatePartnerClientSecret 200',
      'createStaffClient 201',
      'rotateStaffClientSecret 200',
      'createWebhookEndpoint 201',
      'rotateWebhookSecret 200',
      'storeTicketCredentials 201',
      'revealTicketCredential 200',
      'createSiteLink 201',
      'downloadAttachment 200',
      'getJwks 200',
      'getSurveyByLink 200',
    ];
    for (const response of CACHE_CONTROLLED) expect({ response, headers: headersOf(...(response.split(' ') as [string, string])) }).toEqual({ response, headers: expect.arrayContaining(['Cache-Control']) });
    expect(headersOf('listTickets', '200')).not.toContain('Cache-Control');
    expect(headersOf('getTicket', '200')).not.toContain('Cache-Control');
    expect((document.components?.headers as Record<string, { schema: { enum?: string[] } }>)['Cache-Control'].schema.enum).toEqual(['no-store', 'private, no-store', 'public, max-age=60']);
  });

  it('every header of the document’s own that these answers carry is documented for their operation and status: Cache-Control, WWW-Authenticate', async () => {
    type Response = { headers?: Record<string, unknown> };
    const ours = Object.keys(document.components?.headers ?? {}).map((name) => name.toLowerCase());
    const documented = (operationId: string, status: number) =>
      Object.keys(((operationsOf(document).find((o) => o.operation.operationId === operationId)?.operation.responses?.[String(status)] ?? {}) as Response).headers ?? {}).map((h) => h.toLowerCase());
    const generated = running.generatedAdmin!;
    const admin = await client.token(generated.clientId, generated.clientSecret);
    const form = (secret: string) => client.http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: generated.clientId, client_secret: secret });
    const answers = [
      { operationId: 'issueToken', answer: await form(generated.clientSecret) },
      { operationId: 'issueToken', answer: await form('not-the-secret-0123456789') },
      { operationId: 'getJwks', answer: await client.http().get('/.well-known/jwks.json') },
      { operationId: 'createStaffClient', answer: await client.http().post('/v1/clients').auth(admin, { type: 'bearer' }).send({ roles: ['quality'], displayName: 'Quinn Headers' }) },
      { operationId: 'listTickets', answer: await client.http().get('/v1/tickets') },
    ];
    const undocumented = answers.flatMap(({ operationId, answer }) =>
      ours.filter((h) => answer.headers[h] !== undefined && !documented(operationId, answer.status).includes(h)).map((h) => `${operationId} ${answer.status} ${h}`),
    );

    expect(answers.map((a) => [a.answer.status, a.answer.headers['cache-control'], a.answer.headers['www-authenticate']])).toEqual([
      [200, 'no-store', undefined],
      [401, 'no-store', 'Basic realm="tss"'],
      [200, 'public, max-age=60', undefined],
      [201, 'no-store', undefined],
      [401, undefined, 'Bearer realm="tss"'],
    ]);
    expect(undocumented).toEqual([]);
  });

  it('the headers a 201 documents are the ones it sends', async () => {
    const generated = running.generatedAdmin!;
    const acme = await client.partner(await client.token(generated.clientId, generated.clientSecret), 'Acme Headers');
    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('idempotency-key', 'headers-1').send({ product: 'reader', productVersion: '4', description: 'Crash' });
    const replayed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('idempotency-key', 'headers-1').send({ product: 'reader', productVersion: '4', description: 'Crash' });
    const documented = Object.keys(
      ((operationsOf(document).find((o) => o.operation.operationId === 'fileTicket')?.operation.responses?.['201'] ?? {}) as { headers?: Record<string, unknown> }).headers ?? {},
    );

    expect([filed.status, replayed.status]).toEqual([201, 201]);
    expect(documented.filter((h) => replayed.headers[h.toLowerCase()] === undefined)).toEqual([]);
  });

  it('every header of the document’s own that an error answer carries is documented for its operation and status', async () => {
    type Response = { headers?: Record<string, unknown> };
    const ours = Object.keys(document.components?.headers ?? {}).map((name) => name.toLowerCase());
    const documented = (operationId: string, status: number) =>
      Object.keys(((operationsOf(document).find((o) => o.operation.operationId === operationId)?.operation.responses?.[String(status)] ?? {}) as Response).headers ?? {}).map((h) => h.toLowerCase());
    const admin = await client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret);
    const acme = await client.partner(admin, 'Acme Undocumented Headers');
    const as = (token: string) => ({ get: (url: string) => client.http().get(url).auth(token, { type: 'bearer' }), post: (url: string, key: string) => client.http().post(url).auth(token, { type: 'bearer' }).set('idempotency-key', key) });
    const clientsPath = `/v1/partners/${acme.partnerId}/clients`;
    const made = await as(admin).post(clientsPath, 'made-once').send({});
    const rotatePath = `${made.headers.location}/rotate`;
    await as(admin).post(rotatePath, 'rotated-once').send({});
    await as(acme.token).post('/v1/tickets/00000000-0000-4000-8000-000000000000/messages', 'kept-404').send({ body: 'Anyone there?' });
    await as(acme.token).post('/v1/tickets', 'reused').send({ product: 'reader', productVersion: '4', description: 'Crash' });
    const answers = [
      { operationId: 'listTickets', answer: await as(acme.token).get('/v1/tickets?limit=0') },
      { operationId: 'getTicket', answer: await as(acme.token).get('/v1/tickets/00000000-0000-4000-8000-000000000000') },
      { operationId: 'getTicket', answer: await as('not-a-token').get('/v1/tickets/00000000-0000-4000-8000-000000000000') },
      { operationId: 'createPartner', answer: await as(acme.token).post('/v1/partners', 'not-mine').send({ name: 'Not Mine' }) },
      { operationId: 'createPartnerClient', answer: await as(admin).post(clientsPath, 'made-once').send({}) },
      { operationId: 'rotatePartnerClientSecret', answer: await as(admin).post(rotatePath, 'rotated-once').send({}) },
      { operationId: 'postMessage', answer: await as(acme.token).post('/v1/tickets/00000000-0000-4000-8000-000000000000/messages', 'kept-404').send({ body: 'Anyone there?' }) },
      { operationId: 'fileTicket', answer: await as(acme.token).post('/v1/tickets', 'reused').send({ product: 'player', productVersion: '4', description: 'Crash' }) },
    ];
    const undocumented = answers.flatMap(({ operationId, answer }) =>
      ours.filter((h) => answer.headers[h] !== undefined && !documented(operationId, answer.status).includes(h)).map((h) => `${operationId} ${answer.status} ${h}`),
    );

    expect(answers.map((a) => a.answer.status)).toEqual([400, 404, 401, 403, 409, 409, 404, 422]);
    expect(answers.map((a) => a.answer.headers['ratelimit-limit'] !== undefined)).toEqual(answers.map(() => true));
    expect([answers[4], answers[5], answers[6]].map((a) => [a.answer.headers.location !== undefined, a.answer.headers['idempotent-replayed']])).toEqual([
      [true, 'true'],
      [true, 'true'],
      [false, 'true'],
    ]);
    expect(undocumented).toEqual([]);
  });

  it('the Problem schema names the members some problems carry, optional, and admits others', () => {
    const problem = document.components?.schemas?.Problem as { properties: Record<string, { type?: string }>; required: string[]; additionalProperties: boolean };

    expect(Object.keys(problem.properties)).toEqual(expect.arrayContaining(['error', 'error_description', 'etag', 'destroyedAt', 'checks']));
    expect(problem.required).toEqual(['type', 'title', 'status']);
    expect(problem.additionalProperties).toBe(true);
  });

  it('shows an example of filing a ticket', () => {
    const fileTicket = operationsOf(document).find((o) => o.operation.operationId === 'fileTicket');
    const media = fileTicket?.operation.requestBody?.content?.['application/json'];

    expect(media?.example ?? media?.examples).toMatchObject({ product: 'reader', productVersion: expect.any(String), description: expect.any(String) });
  });

  it('serves the same document to the docs UI at /docs', async () => {
    const page = await client.http().get('/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');

    const uiDocument = await client.http().get('/docs/json');
    expect(uiDocument.status).toBe(200);
    expect(uiDocument.body).toEqual(document);
  });
});

describe('the OpenAPI guard: an incomplete document stops the start', () => {
  const apps: ServiceApp[] = [];
  const appWith = async (routes: (scope: FastifyInstance) => void): Promise<ServiceApp> => {
    const app = await createServiceApp({ name: 'guarded', logger: pino({ level: 'silent' }) });
    apps.push(app);
    await installApiDocs(app);
    app.apiDocs.describeTag('ticket-intake', 'Tickets.');
    await app.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.schema = { tags: ['ticket-intake'], ...route.schema };
      });
      routes(scope);
    });
    return app;
  };
  const ok = async () => ({ ok: true });

  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  const partners = { access: { kinds: ['partner'] as const } };

  it('names every route without an operationId, with an undescribed tag, without an access rule, or with an error that is not a Problem', async () => {
    const app = await appWith((scope) => {
      scope.get('/v1/anonymous', ok);
      scope.get('/v1/stray', { schema: { operationId: 'stray', tags: ['misc'] } }, ok);
      scope.post('/v1/plain-error', { schema: { operationId: 'plainError', response: { 409: { type: 'object' } } } }, ok);
      scope.get('/v1/fine', { config: partners, schema: { operationId: 'fine' } }, ok);
    });

    const failure = app.ready();

    await expect(failure).rejects.toThrow('GET /v1/anonymous: no operationId');
    await expect(failure).rejects.toThrow('GET /v1/stray: tag "misc" is not described');
    await expect(failure).rejects.toThrow("POST /v1/plain-error: response 409 is not { $ref: 'Problem#' }");
    await expect(failure).rejects.toThrow('GET /v1/anonymous: no config.access (who may call it) and not public');
    await expect(failure).rejects.not.toThrow('/v1/fine');
  });

  it('refuses an operationId used twice', async () => {
    const app = await appWith((scope) => {
      scope.get('/v1/one', { config: partners, schema: { operationId: 'same' } }, ok);
      scope.get('/v1/two', { config: partners, schema: { operationId: 'same' } }, ok);
    });

    await expect(app.ready()).rejects.toThrow('GET /v1/two: operationId "same" is also used by GET /v1/one');
  });

  it('records the documented routes, not the hidden ones, and declares authentication on those that need it', async () => {
    const app = await appWith((scope) => {
      scope.get('/v1/things/:id', { config: partners, schema: { operationId: 'getThing', params: { type: 'object', properties: { id: { type: 'string' } } } } }, ok);
      scope.post('/v1/open', { config: { public: true }, schema: { operationId: 'open' } }, ok);
      scope.get('/v1/*', { schema: { hide: true } }, ok);
    });
    await app.ready();

    expect(app.apiDocs.registeredRoutes()).toEqual([
      { method: 'GET', url: '/v1/things/:id', path: '/v1/things/{id}' },
      { method: 'POST', url: '/v1/open', path: '/v1/open' },
    ]);
    const paths = app.apiDocs.ownDocument().paths ?? {};
    const getThing = paths['/v1/things/{id}']?.get as Operation;
    expect(getThing.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(getThing.responses ?? {})).toEqual(['400', '401', '403', '404', '414', '429', '431', '503']);
    expect((paths['/v1/open']?.post as Operation).security).toEqual([]);
  });
});
