import type { BuiltPart, PartDeps, ServicePart } from '@tss/runtime';
import { definePart } from '@tss/runtime';
import type { TProperties } from '@sinclair/typebox';
import type { LifecycleHooks } from '../use-cases/commit-change';
import type { FilingHooks } from '../use-cases/file-ticket';
import type { MessageHooks } from '../use-cases/post-message';
import type { MessageUploads } from '../http/message-uploads';

/** What the parts of intake share beyond the service's deps: hook lists one part fills and another reads. */
export interface IntakeHooks {
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

/** What every part of intake is given: the service's deps, the durable timers of its schema, the hooks. */
export type IntakeDeps<Config = Record<string, unknown>> = PartDeps<Config, IntakeHooks>;
export type IntakePartParts = BuiltPart;
/** One feature of ticket-intake (tickets, attachments, credentials, queue …), composed in `index.ts`. */
export type IntakePart<C extends TProperties = TProperties> = ServicePart<C, IntakeHooks>;
export const defineIntakePart = definePart<IntakeHooks>();
