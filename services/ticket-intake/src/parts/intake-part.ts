import type { FastifyInstance } from 'fastify';
import type { Static, TObject, TProperties } from '@sinclair/typebox';
import type { EntitySchema, MigrationInterface } from 'typeorm';
import type { HandlerBinding } from '@tss/messaging';
import type { BackgroundTask, ServiceDeps } from '@tss/runtime';
import type { TimerHandler, TimerStore } from '@tss/timers';
import type { LifecycleHooks } from '../use-cases/commit-change';
import type { FilingHooks } from '../use-cases/file-ticket';
import type { MessageHooks } from '../use-cases/post-message';
import type { MessageUploads } from '../http/message-uploads';

/** What every part of intake is given: the service's deps, and the durable timers of its schema. */
export interface IntakeDeps<Config = Record<string, unknown>> extends ServiceDeps<Config> {
  timers: TimerStore;
  /**
   * What a part does when a ticket is resolved or reopened (credentials: schedule or cancel their
   * destruction, P9). Parts push theirs in `build`; the lists are read at change time.
   */
  lifecycleHooks: LifecycleHooks[];
  /** What a part does to a message before it is stored (credentials: mask, P9; attachments: link, P8). */
  messageHooks: MessageHooks[];
  /** What a part does to a new request before it is stored (credentials: mask, P9). */
  filingHooks: FilingHooks[];
  /** Multipart messages (attachments part): at most one provider. */
  messageUploads: MessageUploads[];
}

export interface IntakePartParts {
  routes?: (app: FastifyInstance) => Promise<void>;
  handlers?: readonly HandlerBinding[];
  /** Handlers of this part's timer kinds (`@tss/timers`); one worker fires them all. */
  timers?: Readonly<Record<string, TimerHandler>>;
  background?: readonly BackgroundTask[];
}

/**
 * One feature of ticket-intake (tickets, attachments, credentials, queue …): its settings,
 * migrations and parts. `index.ts` composes them into the one service module, so a feature is
 * added in its own files and one line there.
 */
export interface IntakePart<C extends TProperties = TProperties> {
  name: string;
  /** Its environment settings; merged with the other parts' into the service's config schema. */
  config?: C;
  configProblems?(config: Static<TObject<C>>): readonly string[];
  entities?: EntitySchema[];
  /** Its migrations; class names end in a timestamp that orders them after the ones they build on. */
  migrations?: (new () => MigrationInterface)[];
  build(deps: IntakeDeps<Static<TObject<C>>>): IntakePartParts;
}

export const defineIntakePart = <C extends TProperties = TProperties>(part: IntakePart<C>): IntakePart<C> => part;
