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
 * The response header a service other than ticket-intake sets on a 404 that means "no such ticket
 * in my projection, for this caller" (not another 404 under a known ticket, an unknown referral
 * id). Its projection follows intake's events, so a ticket filed a moment ago may be missing there:
 * the gateway asks intake, answers 503 `ticket-not-yet-visible` when the caller may see the ticket,
 * and never lets the field reach the client (docs/adr/0068). Value: `?1` (RFC 8941 true).
 */
export const UNKNOWN_TICKET_HEADER = 'tss-unknown-ticket';

/**
 * The response header a service other than ticket-intake sets on a refusal that only its
 * projection lagging behind intake's events would explain, naming the ticket status intake must
 * show for that to be so: rating's 409 "not resolved, no survey to answer" is `resolved`. The
 * gateway asks intake as the caller: in that status, the answer is a 503 `ticket-not-yet-visible`
 * to retry; otherwise the refusal goes on unchanged. The field never reaches the client
 * (docs/adr/0068, addendum of 2026-12-05). Value: a ticket status (`TicketStatuses`).
 */
export const TICKET_BEHIND_HEADER = 'tss-ticket-behind';

const PROJECTED_TICKET_PATH = /^\/v1\/tickets\/([^/]+)\/./;

/**
 * The ticket a path names (its id or reference, as sent, percent-encoded) when the path lies
 * under `/v1/tickets/{id}/` and a service other than ticket-intake answers it: one whose 404 may
 * only mean its projection has not caught up (docs/adr/0068). Undefined for any other path.
 */
export const projectedTicketOfPath = (url: string): string | undefined => {
  const path = url.split('?')[0];
  const ticket = PROJECTED_TICKET_PATH.exec(path)?.[1];
  const service = serviceForPath(path);
  return ticket !== undefined && service !== undefined && service !== 'ticket-intake' ? ticket : undefined;
};

/**
 * Routes a service answers without a bearer token, because their own credential is in the request:
 * a rating link's token (`/v1/ratings/{token}`, `/rate/{token}`, issue #13) and the inbound-mail
 * provider's shared secret or signature (`/v1/inbound/email`, issue #11). In services mode the
 * gateway forwards these unauthenticated and the service checks the credential; every other
 * forwarded route needs a valid token at the gateway first. Fastify route patterns.
 */
export const PUBLIC_FORWARDS: readonly string[] = ['/v1/ratings/*', '/rate', '/rate/*', '/v1/inbound/email'];
