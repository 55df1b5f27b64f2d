import type { EventContract } from './event-contract';
import * as ticket from './events/ticket.events';
import * as sla from './events/sla.events';
import * as notification from './events/notification.events';
import * as escalation from './events/escalation.events';
import * as rating from './events/rating.events';
import * as gateway from './events/gateway.events';

/** Every event contract of the platform, declared once. */
export const EventCatalogue: readonly EventContract[] = [
  ...Object.values(ticket),
  ...Object.values(sla),
  ...Object.values(notification),
  ...Object.values(escalation),
  ...Object.values(rating),
  ...Object.values(gateway),
];

const byKey = new Map(EventCatalogue.map((c) => [`${c.type}@${c.version}`, c]));

export const findContract = (type: string, version: number): EventContract | undefined => byKey.get(`${type}@${version}`);

const knownTypes = new Set(EventCatalogue.map((c) => c.type));

/** Whether this release knows the event type at all (any version): a type it does not is a newer release's. */
export const isKnownEventType = (type: string): boolean => knownTypes.has(type);

export const contractsOf = (owner: EventContract['owner']): EventContract[] => EventCatalogue.filter((c) => c.owner === owner);

export const topicsOf = (contracts: readonly EventContract[]): string[] => [...new Set(contracts.map((c) => c.topic))].sort();
