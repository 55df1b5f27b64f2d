import type { ServiceName } from './event-contract';

/** A service the gateway forwards to. */
export type RoutedServiceName = Exclude<ServiceName, 'gateway'>;

/**
 * Which service answers which path prefix (DESIGN "Routes"). The gateway forwards by this table
 * in services mode; more specific entries come first. An entry naming the `gateway` carves a path
 * out of a service's prefix: the gateway answers it itself (the support site's links of a ticket).
 */
export interface RoutePrefix {
  /** A path prefix; `{id}` matches one path segment. */
  prefix: string;
  service: ServiceName;
}

export const ROUTE_TABLE: readonly RoutePrefix[] = [
  { prefix: '/v1/tickets/{id}/site-links', service: 'gateway' },
  { prefix: '/support', service: 'gateway' },
  { prefix: '/v1/tickets/{id}/sla', service: 'sla-timer' },
  { prefix: '/v1/tickets/{id}/referrals', service: 'escalation' },
  { prefix: '/v1/tickets/{id}/rating', service: 'rating' },
  { prefix: '/v1/partners/{id}/sla-policy', service: 'sla-timer' },
  { prefix: '/v1/sla', service: 'sla-timer' },
  { prefix: '/v1/reports/sla', service: 'sla-timer' },
  { prefix: '/v1/escalations', service: 'escalation' },
  { prefix: '/v1/escalation', service: 'escalation' },
  { prefix: '/v1/ratings', service: 'rating' },
  { prefix: '/v1/reports/quality', service: 'rating' },
  { prefix: '/rate', service: 'rating' },
  { prefix: '/v1/webhooks', service: 'notification' },
  { prefix: '/v1/inbound', service: 'notification' },
  { prefix: '/v1/mail', service: 'notification' },
  { prefix: '/v1/tickets', service: 'ticket-intake' },
  { prefix: '/v1/queue', service: 'ticket-intake' },
];

const SEGMENT = '[^/]+';
const compiled = ROUTE_TABLE.map((r) => ({
  ...r,
  pattern: new RegExp(`^${r.prefix.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{id\}/g, SEGMENT)}(?:/|$|\\?)`),
}));

/** The service that owns `path`, or undefined when the gateway answers it itself. */
export const serviceForPath = (path: string): RoutedServiceName | undefined => {
  const service = compiled.find((r) => r.pattern.test(path))?.service;
  return service === 'gateway' ? undefined : service;
};

/**
 * Routes a service answers without a bearer token, because their own credential is in the request:
 * a rating link's token (`/v1/ratings/{token}`, `/rate/{token}`, issue #13) and the inbound-mail
 * provider's shared secret or signature (`/v1/inbound/email`, issue #11). In services mode the
 * gateway forwards these unauthenticated and the service checks the credential; every other
 * forwarded route needs a valid token at the gateway first. Fastify route patterns.
 */
export const PUBLIC_FORWARDS: readonly string[] = ['/v1/ratings/*', '/rate', '/rate/*', '/v1/inbound/email'];
