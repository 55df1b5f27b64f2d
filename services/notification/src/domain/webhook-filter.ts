/**
 * Event-type filters of a webhook endpoint: exact types (`ticket.resolved`), a domain's wildcard
 * (`sla.*`), or `*` for everything the endpoint may see.
 */
export const EVENT_FILTER_PATTERN = '^(\\*|[a-z]+\\.\\*|[a-z]+\\.[a-z_]+)$';
const FILTER = new RegExp(EVENT_FILTER_PATTERN);

export const isValidFilter = (filter: string): boolean => FILTER.test(filter);

export const matchesFilter = (filter: string, eventType: string): boolean => {
  if (filter === '*') return true;
  if (filter.endsWith('.*')) return eventType.startsWith(filter.slice(0, -1));
  return filter === eventType;
};

export const matchesAny = (filters: readonly string[], eventType: string): boolean => filters.some((f) => matchesFilter(f, eventType));
