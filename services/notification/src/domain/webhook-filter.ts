import { isStaffOnlyEvent, STAFF_ONLY_EVENT_DOMAINS, WEBHOOK_EVENT_DOMAINS, webhookDeliveredContracts, WebhookPingV1, type EventContract } from '@tss/contracts';

/**
 * Event-type filters of a webhook endpoint: exact types (`ticket.resolved`), a domain's wildcard
 * (`sla.*`), or `*` for everything the endpoint may see (for a partner's: no staff-only domain).
 */
export const EVENT_FILTER_PATTERN = '^(\\*|[a-z]+\\.\\*|[a-z]+\\.[a-z_]+)$';
const FILTER = new RegExp(EVENT_FILTER_PATTERN);

export const isValidFilter = (filter: string): boolean => FILTER.test(filter);

/**
 * The domains whose events endpoints may subscribe to, and those only staff endpoints get
 * (escalations name staff, rules, quotes and agents' internal reasons: docs/adr/0034): defined
 * once in libs/contracts, which the OpenAPI document's `webhooks` section is made from too.
 */
export const WEBHOOK_DOMAINS = WEBHOOK_EVENT_DOMAINS;
export const STAFF_ONLY_DOMAINS = STAFF_ONLY_EVENT_DOMAINS;
export const isStaffOnly = isStaffOnlyEvent;

const domainOf = (type: string): string => type.slice(0, type.indexOf('.'));

/** What an endpoint is scoped to: one partner's events, or (an internal system) every partner's. */
export interface EndpointScope {
  partnerId: string | null;
}

/** The contracts webhooks deliver for events (the ping is sent only when asked for, to one endpoint). */
export const webhookContracts = (): EventContract[] => webhookDeliveredContracts().filter((c) => c !== WebhookPingV1);

/** The event types an endpoint may name, from the catalogue in libs/contracts: the one list there is. */
export const SUBSCRIBABLE_EVENT_TYPES: readonly string[] = [...new Set(webhookContracts().map((c) => c.type))].sort();

/**
 * Why a filter would never match a delivered event (a typo such as `ticket.resloved`, a domain
 * webhooks do not carry such as `partner.*`), or undefined for one that can. Naming the valid
 * choices lets the caller fix it at once instead of waiting for events that never come.
 */
export const filterProblem = (filter: string, scope: EndpointScope = { partnerId: null }): string | undefined => {
  if (!isValidFilter(filter)) return 'must be an event type (ticket.resolved), a domain wildcard (sla.*) or *';
  if (filter === '*') return undefined;
  const domain = domainOf(filter);
  if (!WEBHOOK_DOMAINS.includes(domain)) return `${filter}: no event of domain ${domain} is delivered; the domains are ${WEBHOOK_DOMAINS.join(', ')}`;
  if (scope.partnerId !== null && STAFF_ONLY_DOMAINS.includes(domain)) {
    return `${filter}: ${domain} events are staff-only; an endpoint of a partner receives the ${WEBHOOK_DOMAINS.filter((d) => !STAFF_ONLY_DOMAINS.includes(d)).join(', ')} events`;
  }
  if (scope.partnerId !== null && isStaffOnly(filter)) return `${filter} is staff-only (docs/adr/0039); an endpoint of a partner learns a referral's effect from ticket.level_changed and ticket.status_changed`;
  if (filter === `${domain}.*` || SUBSCRIBABLE_EVENT_TYPES.includes(filter)) return undefined;
  return `${filter} is no event type; the ${domain} events are ${SUBSCRIBABLE_EVENT_TYPES.filter((t) => domainOf(t) === domain).join(', ')}`;
};

export const matchesFilter = (filter: string, eventType: string): boolean => {
  if (filter === '*') return true;
  if (filter.endsWith('.*')) return eventType.startsWith(filter.slice(0, -1));
  return filter === eventType;
};

export const matchesAny = (filters: readonly string[], eventType: string): boolean => filters.some((f) => matchesFilter(f, eventType));

/**
 * Does the endpoint get events of this type: its filters match and, for an endpoint scoped to a
 * partner, the type is not staff-only (an endpoint stored with such a filter before the rule, or
 * one whose `*` would match it). Tenancy (whose events) is `receivesPartner`.
 */
export const receivesType = (endpoint: EndpointScope & { eventTypes: readonly string[] }, eventType: string): boolean =>
  !(endpoint.partnerId !== null && isStaffOnly(eventType)) && matchesAny(endpoint.eventTypes, eventType);
