import { EventCatalogue, type EventContract } from '@tss/contracts';

/**
 * Event-type filters of a webhook endpoint: exact types (`ticket.resolved`), a domain's wildcard
 * (`sla.*`), or `*` for everything the endpoint may see.
 */
export const EVENT_FILTER_PATTERN = '^(\\*|[a-z]+\\.\\*|[a-z]+\\.[a-z_]+)$';
const FILTER = new RegExp(EVENT_FILTER_PATTERN);

export const isValidFilter = (filter: string): boolean => FILTER.test(filter);

/** The domains whose events endpoints may subscribe to (DESIGN: notification consumes these; docs/webhooks.md). */
export const WEBHOOK_DOMAINS: readonly string[] = ['ticket', 'sla', 'escalation', 'rating'];

const domainOf = (type: string): string => type.slice(0, type.indexOf('.'));

/** The contracts webhooks deliver: the catalogue's events of those domains (notification's own go to nobody). */
export const webhookContracts = (): EventContract[] => EventCatalogue.filter((c) => c.owner !== 'notification' && WEBHOOK_DOMAINS.includes(domainOf(c.type)));

/** The event types an endpoint may name, from the catalogue in libs/contracts: the one list there is. */
export const SUBSCRIBABLE_EVENT_TYPES: readonly string[] = [...new Set(webhookContracts().map((c) => c.type))].sort();

/**
 * Why a filter would never match a delivered event (a typo such as `ticket.resloved`, a domain
 * webhooks do not carry such as `partner.*`), or undefined for one that can. Naming the valid
 * choices lets the caller fix it at once instead of waiting for events that never come.
 */
export const filterProblem = (filter: string): string | undefined => {
  if (!isValidFilter(filter)) return 'must be an event type (ticket.resolved), a domain wildcard (sla.*) or *';
  if (filter === '*') return undefined;
  const domain = domainOf(filter);
  if (!WEBHOOK_DOMAINS.includes(domain)) return `${filter}: no event of domain ${domain} is delivered; the domains are ${WEBHOOK_DOMAINS.join(', ')}`;
  if (filter === `${domain}.*` || SUBSCRIBABLE_EVENT_TYPES.includes(filter)) return undefined;
  return `${filter} is no event type; the ${domain} events are ${SUBSCRIBABLE_EVENT_TYPES.filter((t) => domainOf(t) === domain).join(', ')}`;
};

export const matchesFilter = (filter: string, eventType: string): boolean => {
  if (filter === '*') return true;
  if (filter.endsWith('.*')) return eventType.startsWith(filter.slice(0, -1));
  return filter === eventType;
};

export const matchesAny = (filters: readonly string[], eventType: string): boolean => filters.some((f) => matchesFilter(f, eventType));
