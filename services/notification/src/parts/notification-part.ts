import type { TProperties } from '@sinclair/typebox';
import { definePart, type BuiltPart, type PartDeps, type ServicePart } from '@tss/runtime';
import type { NotificationInstance } from '../use-cases/notification-instance';

/** What the parts share beyond the service's deps: this process's instance (its work names it). */
export interface NotificationShared {
  instance: NotificationInstance;
}

/** What every part of notification is given: the service's deps, the durable timers of its schema and this instance. */
export type NotificationDeps<Config = Record<string, unknown>> = PartDeps<Config, NotificationShared>;
/**
 * Two parts may handle the same contract (mail and webhooks both react to `ticket.created`): they
 * run one after the other in the event's one transaction.
 */
export type NotificationPartParts = BuiltPart;
/** One feature of notification (mail, webhooks …), composed in `index.ts`. */
export type NotificationPart<C extends TProperties = TProperties> = ServicePart<C, NotificationShared>;
export const defineNotificationPart = definePart<NotificationShared>();
