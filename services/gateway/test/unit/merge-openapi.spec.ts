import type { OpenApiDocument } from '@tss/service-kit';
import { describeConflict, mergeOpenApiDocuments } from '../../src/domain/merge-openapi';

const Problem = { type: 'object', required: ['type', 'title', 'status'], properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' } } };
const bearerAuth = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
const health = { get: { operationId: 'healthz', tags: ['health'], responses: { 200: { description: 'ok' } } } };

const doc = (overrides: Partial<OpenApiDocument>): OpenApiDocument => ({
  openapi: '3.1.0',
  info: { title: 'TSS one service', version: '0.1.0' },
  paths: { '/healthz': health },
  components: { securitySchemes: { bearerAuth }, schemas: { Problem } },
  tags: [{ name: 'health', description: 'Liveness' }],
  ...overrides,
});

const gateway = doc({
  info: { title: 'TSS gateway', version: '0.2.0' },
  paths: { '/healthz': health, '/v1/auth/token': { post: { operationId: 'issueToken', tags: ['gateway'], security: [], responses: { 200: { description: 'token' } } } } },
  tags: [
    { name: 'gateway', description: 'Authentication' },
    { name: 'health', description: 'Liveness' },
  ],
});
const intake = doc({
  paths: {
    '/healthz': health,
    '/v1/tickets': { post: { operationId: 'fileTicket', tags: ['ticket-intake'], responses: { 201: { description: 'filed', content: { 'application/json': { schema: { $ref: '#/components/schemas/Ticket' } } } } } } },
  },
  components: { securitySchemes: { bearerAuth }, schemas: { Problem, Ticket: { type: 'object', properties: { id: { type: 'string' } } } } },
  tags: [
    { name: 'ticket-intake', description: 'Tickets' },
    { name: 'health', description: 'Liveness' },
  ],
});
const sla = doc({
  paths: { '/v1/tickets/{id}/sla': { parameters: [{ name: 'id', in: 'path', required: true }], get: { operationId: 'getTicketSla', tags: ['sla-timer'], responses: { 200: { description: 'clocks' } } } } },
  // The same schema with its keys in another order is the same schema.
  components: { schemas: { Problem: { properties: Problem.properties, required: Problem.required, type: 'object' } } },
  tags: [{ name: 'sla-timer', description: 'Response clocks' }],
});

const ROUTES: Record<string, string> = { '/v1/tickets/{id}/sla': 'sla-timer', '/v1/tickets': 'ticket-intake' };
const routeOf = (path: string) => ROUTES[path];
const info = { title: 'TSS API', version: '0.2.0' };

describe('mergeOpenApiDocuments', () => {
  it('merges the gateway and service documents into one: paths, components, security schemes, tags (known answer)', () => {
    const result = mergeOpenApiDocuments(gateway, [{ service: 'ticket-intake', document: intake }, { service: 'sla-timer', document: sla }], { info, routeOf });

    expect(result).toEqual({
      ok: true,
      value: {
        unrouted: [],
        document: {
          openapi: '3.1.0',
          info,
          paths: {
            '/healthz': gateway.paths!['/healthz'],
            '/v1/auth/token': gateway.paths!['/v1/auth/token'],
            '/v1/tickets': intake.paths!['/v1/tickets'],
            '/v1/tickets/{id}/sla': sla.paths!['/v1/tickets/{id}/sla'],
          },
          components: { securitySchemes: { bearerAuth }, schemas: { Problem, Ticket: intake.components!.schemas!.Ticket } },
          tags: [
            { name: 'gateway', description: 'Authentication' },
            { name: 'health', description: 'Liveness' },
            { name: 'ticket-intake', description: 'Tickets' },
            { name: 'sla-timer', description: 'Response clocks' },
          ],
        },
      },
    });
  });

  it("keeps only the health operations of the gateway: each service's answer for its own instance", () => {
    const result = mergeOpenApiDocuments(gateway, [{ service: 'ticket-intake', document: intake }], { info, routeOf });

    expect(result.ok && result.value.document.paths!['/healthz']).toEqual(gateway.paths!['/healthz']);
    expect(result.ok && result.value.unrouted).toEqual([]);
  });

  it('leaves out, and reports, a service path the gateway would not forward to that service', () => {
    const stray = doc({ paths: { '/v1/tickets/{id}/sla': sla.paths!['/v1/tickets/{id}/sla'], '/internal/stats': { get: { operationId: 'stats', tags: ['sla-timer'], responses: {} } } } });

    const result = mergeOpenApiDocuments(gateway, [{ service: 'sla-timer', document: stray }], { info, routeOf });

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.value.document.paths!)).toEqual(['/healthz', '/v1/auth/token', '/v1/tickets/{id}/sla']);
    expect(result.value.unrouted).toEqual([{ service: 'sla-timer', path: '/internal/stats' }]);
  });

  it('fails with every conflict: a component that differs, a security scheme that differs, an operationId used twice', () => {
    const rival = doc({
      paths: { '/v1/tickets/{id}/sla': { get: { operationId: 'fileTicket', tags: ['sla-timer'], responses: {} } } },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'basic' } },
        schemas: { Problem, Ticket: { type: 'object', properties: { id: { type: 'integer' } } } },
      },
    });

    const result = mergeOpenApiDocuments(gateway, [{ service: 'ticket-intake', document: intake }, { service: 'sla-timer', document: rival }], { info, routeOf });

    expect(result).toEqual({
      ok: false,
      error: [
        { kind: 'operation-id', operationId: 'fileTicket', services: ['ticket-intake', 'sla-timer'] },
        { kind: 'component', section: 'securitySchemes', name: 'bearerAuth', services: ['gateway', 'sla-timer'] },
        { kind: 'component', section: 'schemas', name: 'Ticket', services: ['ticket-intake', 'sla-timer'] },
      ],
    });
    expect(result.ok ? [] : result.error.map(describeConflict)).toEqual([
      'operationId "fileTicket" is used by both ticket-intake and sla-timer',
      'components.securitySchemes.bearerAuth differs between gateway and sla-timer',
      'components.schemas.Ticket differs between ticket-intake and sla-timer',
    ]);
  });

  it('fails when two services document the same operation', () => {
    const twice: Record<string, string> = { ...ROUTES, '/v1/auth/token': 'ticket-intake' };
    const claimsToken = doc({ paths: { '/v1/auth/token': { post: { operationId: 'issueTokenAgain', tags: ['ticket-intake'], responses: {} } } } });

    const result = mergeOpenApiDocuments(gateway, [{ service: 'ticket-intake', document: claimsToken }], { info, routeOf: (path) => twice[path] });

    expect(result).toEqual({ ok: false, error: [{ kind: 'operation', method: 'POST', path: '/v1/auth/token', services: ['gateway', 'ticket-intake'] }] });
  });

  it('lists only the tags some operation uses, with the first description given', () => {
    const onlyHealth = doc({ tags: [{ name: 'rating', description: 'Ratings' }, { name: 'health', description: 'Another description' }] });

    const result = mergeOpenApiDocuments(gateway, [{ service: 'rating', document: onlyHealth }], { info, routeOf });

    expect(result.ok && result.value.document.tags).toEqual([
      { name: 'gateway', description: 'Authentication' },
      { name: 'health', description: 'Liveness' },
    ]);
  });

  it('leaves its inputs untouched', () => {
    const before = structuredClone([gateway, intake, sla]);

    mergeOpenApiDocuments(gateway, [{ service: 'ticket-intake', document: intake }, { service: 'sla-timer', document: sla }], { info, routeOf });

    expect([gateway, intake, sla]).toEqual(before);
  });
});
