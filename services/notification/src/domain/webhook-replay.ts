import { STAFF_ONLY_EVENT_DOMAINS, STAFF_ONLY_EVENT_TYPES } from '@tss/contracts';
import type { EndpointScope } from './webhook-filter';

/**
 * Which recorded events a replay sends an endpoint: `receivesType` (its filters, and no staff-only
 * event for an endpoint scoped to a partner) and its partner, written as the conditions a query
 * applies, so a replay's bound counts only what the endpoint receives (docs/adr/0034, addendum of
 * 2026-12-05). A filter is an exact type, `<domain>.*` (a prefix ending in `.`) or `*`.
 */
export interface ReplaySelection {
  /** Only this partner's events; null: every partner's (an internal system's endpoint). */
  partnerId: string | null;
  /** A `*` filter: any type (staff-only ones aside). */
  everyType: boolean;
  exactTypes: string[];
  /** From `ticket.*`: `ticket.`; the types starting with it. */
  typePrefixes: string[];
  /** Left out whatever the filters say: the staff-only types and domains, for an endpoint scoped to a partner. */
  excludedTypes: string[];
  excludedPrefixes: string[];
}

const unique = (values: readonly string[]): string[] => [...new Set(values)].sort();

export const replaySelectionOf = (endpoint: EndpointScope & { eventTypes: readonly string[] }): ReplaySelection => {
  const filters = endpoint.eventTypes;
  const scoped = endpoint.partnerId !== null;
  return {
    partnerId: endpoint.partnerId,
    everyType: filters.includes('*'),
    exactTypes: unique(filters.filter((f) => f !== '*' && !f.endsWith('.*'))),
    typePrefixes: unique(filters.filter((f) => f.endsWith('.*')).map((f) => f.slice(0, -1))),
    excludedTypes: scoped ? unique(STAFF_ONLY_EVENT_TYPES) : [],
    excludedPrefixes: scoped ? unique(STAFF_ONLY_EVENT_DOMAINS.map((d) => `${d}.`)) : [],
  };
};

const matches = (types: readonly string[], prefixes: readonly string[], type: string): boolean => types.includes(type) || prefixes.some((p) => type.startsWith(p));

/** The selection's rule for one type, as the query applies it (tests hold it equal to `receivesType`). */
export const selectsType = (selection: ReplaySelection, type: string): boolean =>
  (selection.everyType || matches(selection.exactTypes, selection.typePrefixes, type)) && !matches(selection.excludedTypes, selection.excludedPrefixes, type);
