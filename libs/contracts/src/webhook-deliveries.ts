import { EventCatalogue } from './catalogue';
import type { EventContract } from './event-contract';
import { WebhookPingV1 } from './events/notification.events';

/**
 * The event domains webhook endpoints receive (docs/webhooks.md): the one list notification's
 * filters and deliveries (services/notification/src/domain/webhook-filter.ts) and the OpenAPI
 * document's `webhooks` section are both made from.
 */
export const WEBHOOK_EVENT_DOMAINS: readonly string[] = ['ticket', 'sla', 'escalation', 'rating'];

/** Domains whose events only staff endpoints receive: an endpoint of a partner never gets them (docs/adr/0034). */
export const STAFF_ONLY_EVENT_DOMAINS: readonly string[] = ['escalation'];

const domainOf = (type: string): string => type.slice(0, type.indexOf('.'));

/**
 * Event types of other domains that only staff endpoints receive: a referral's application or
 * refusal, which the ticket's history keeps internal too (docs/adr/0039, addendum of 2026-12-05).
 * A partner learns what a referral did to its ticket from `ticket.level_changed` and
 * `ticket.status_changed`.
 */
export const STAFF_ONLY_EVENT_TYPES: readonly string[] = ['ticket.referral_applied', 'ticket.referral_rejected'];

export const isStaffOnlyEvent = (type: string): boolean => STAFF_ONLY_EVENT_DOMAINS.includes(domainOf(type)) || STAFF_ONLY_EVENT_TYPES.includes(type);

/**
 * Every contract a webhook delivery may carry: the catalogue's events of the webhook domains
 * (notification's own go to nobody), and the `webhook.ping` an endpoint's owner asks for.
 */
export const webhookDeliveredContracts = (): EventContract[] => [
  ...EventCatalogue.filter((c) => c.owner !== 'notification' && WEBHOOK_EVENT_DOMAINS.includes(domainOf(c.type))),
  WebhookPingV1,
];
