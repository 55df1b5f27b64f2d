import type { FastifyInstance } from 'fastify';
import type { Static, TObject, TProperties } from '@sinclair/typebox';
import type { EntitySchema, MigrationInterface } from 'typeorm';
import type { HandlerBinding } from '@tss/messaging';
import type { BackgroundTask, ServiceDeps } from '@tss/runtime';
import type { TimerHandler, TimerStore } from '@tss/timers';

/** What every part of notification is given: the service's deps and the durable timers of its schema. */
export interface NotificationDeps<Config = Record<string, unknown>> extends ServiceDeps<Config> {
  timers: TimerStore;
}

export interface NotificationPartParts {
  routes?: (app: FastifyInstance) => Promise<void>;
  /**
   * Event handlers. Two parts may handle the same contract (mail and webhooks both react to
   * `ticket.created`): `index.ts` runs them one after the other in the event's one transaction.
   */
  handlers?: readonly HandlerBinding[];
  timers?: Readonly<Record<string, TimerHandler>>;
  background?: readonly BackgroundTask[];
}

/** One feature of notification (mail, webhooks …): its settings, migrations and parts. */
export interface NotificationPart<C extends TProperties = TProperties> {
  name: string;
  config?: C;
  configProblems?(config: Static<TObject<C>>): readonly string[];
  entities?: EntitySchema[];
  /** Class names end in a 13-digit timestamp that orders them. */
  migrations?: (new () => MigrationInterface)[];
  build(deps: NotificationDeps<Static<TObject<C>>>): NotificationPartParts;
}

export const defineNotificationPart = <C extends TProperties = TProperties>(part: NotificationPart<C>): NotificationPart<C> => part;

/** One binding per contract version: handlers of several parts for it run in order, in one transaction. */
export const mergeHandlers = (bindings: readonly HandlerBinding[]): HandlerBinding[] => {
  const byContract = new Map<string, HandlerBinding[]>();
  for (const b of bindings) {
    const key = `${b.contract.type}@${b.contract.version}`;
    byContract.set(key, [...(byContract.get(key) ?? []), b]);
  }
  return [...byContract.values()].map((group) =>
    group.length === 1
      ? group[0]
      : {
          contract: group[0].contract,
          handle: async (event, ctx) => {
            for (const b of group) await b.handle(event, ctx);
          },
        },
  );
};
