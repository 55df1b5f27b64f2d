import type { TProperties } from '@sinclair/typebox';
import { definePart, type BuiltPart, type PartDeps, type ServicePart } from '@tss/runtime';

/** What every part of notification is given: the service's deps and the durable timers of its schema. */
export type NotificationDeps<Config = Record<string, unknown>> = PartDeps<Config>;
/**
 * Two parts may handle the same contract (mail and webhooks both react to `ticket.created`): they
 * run one after the other in the event's one transaction.
 */
export type NotificationPartParts = BuiltPart;
/** One feature of notification (mail, webhooks …), composed in `index.ts`. */
export type NotificationPart<C extends TProperties = TProperties> = ServicePart<C>;
export const defineNotificationPart = definePart();
