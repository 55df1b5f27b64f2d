import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { EntityManager } from 'typeorm';
import type { Channel } from '@tss/contracts';
import type { Actor } from '../domain/actor';
import { credentialRoutes } from '../http/credential.routes';
import type { DueWithResolution } from '../domain/due-with-resolution';
import type { TicketRequest } from '../domain/ticket-request';
import { credentialStore } from '../store/credential.store';
import { messageStore } from '../store/message.store';
import { Credentials1765000200000 } from '../store/migrations/1765000200000-credentials';
import { MaskCredentialLabels1765601900000 } from '../store/migrations/1765601900000-mask-credential-labels';
import { InternalNoteCredentials1765601920000 } from '../store/migrations/1765601920000-internal-note-credentials';
import { MasterKeyChecks1765606831000 } from '../store/migrations/1765606831000-master-key-checks';
import {
  credentialsDestroyTimer,
  credentialVault,
  CREDENTIALS_DESTROY_TIMER,
  credentialsAfterResolutionNote,
  DETECTED_IN_FILE_NAME_LABEL,
  MAX_DESTROY_AFTER_MINUTES,
  maskForVault,
  privateKeysIn,
  vaultPending,
  onTicketClosed,
  onTicketReopened,
  onTicketResolved,
  tellRequesterToChangeCredentials,
  vaultedByAgentDeadlineNote,
  vaultedByAgentNote,
  vaultedFromSenderNote,
  vaultedNote,
  type VaultedFrom,
  vaultSecretsInText,
  type CredentialDeps,
} from '../use-cases/credentials';
import { defineIntakePart } from './intake-part';
import { namedPlugin } from '@tss/service-kit';

/** The ticket as the lifecycle and message hooks hand it over: only what the vault reads. */
interface HookTicket {
  id: string;
  partnerId: string;
  channel: Channel;
  language?: string;
  resolvedAt?: Date;
}

/**
 * Who is told that particulars were vaulted, in words that fit whose text it was (P9, docs/adr/0026
 * sixth session). `advise: false` leaves out "change them once this ticket is resolved", for a
 * ticket that is (the deadline's note advises).
 */
const noteOfVaulting = (
  taken: { count: number; privateKeys: number },
  input: { ticket: HookTicket; byAgent: boolean; textOf?: VaultedFrom; visibility?: 'public' | 'internal'; otherSender?: string },
  advise = true,
): string => {
  const { count, privateKeys } = taken;
  const ofFileName = input.textOf === 'file_name' ? 'file_name' : 'message';
  if (input.byAgent) return vaultedByAgentNote(count, input.visibility, ofFileName, privateKeys);
  if (input.otherSender !== undefined) return vaultedFromSenderNote(count, input.otherSender, input.ticket.language, ofFileName, advise, privateKeys);
  return vaultedNote(count, input.ticket.language, input.textOf, advise, privateKeys);
};

/** What a note counts of a text's particulars: how many, and how many of them are private keys. */
const takenBy = (vaulted: { vaulted: string[]; privateKeys: number }) => ({ count: vaulted.vaulted.length, privateKeys: vaulted.privateKeys });

/**
 * P9: particulars taken on a resolved ticket go with its resolution's (docs/adr/0026): told, if the
 * text leaves it resolved, with the deadline: to the agent who wrote them, or on the thread.
 */
const dueWithResolution = (
  vaulted: { vaulted: string[]; privateKeys: number; destroyAfter?: Date },
  input: { ticket: HookTicket; byAgent: boolean; textOf?: VaultedFrom; visibility?: 'public' | 'internal'; otherSender?: string },
): DueWithResolution | undefined => {
  if (!vaulted.destroyAfter) return undefined;
  const deadline = input.byAgent ? vaultedByAgentDeadlineNote(vaulted.destroyAfter) : credentialsAfterResolutionNote(vaulted.destroyAfter, input.ticket.language);
  return { notes: [noteOfVaulting(takenBy(vaulted), input, false), deadline], credentialIds: vaulted.vaulted, destroyAfter: vaulted.destroyAfter };
};

/** The texts of a request a filer writes freely (P2), each masked at filing (P9); the requester's name and address are theirs. */
const MASKED_REQUEST_TEXTS = ['subject', 'description', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion', 'connectivity', 'antivirus'] as const;
type MaskedRequestText = (typeof MASKED_REQUEST_TEXTS)[number];

/**
 * The vault's reactions to a ticket's life (P9): resolution schedules destruction and tells the
 * requester to change the particulars, reopening cancels it, a requester's message has its access particulars moved into the vault.
 */
const credentialHooks = (deps: CredentialDeps) => ({
  lifecycle: {
    // `credentialsHeld` of ticket.resolved and ticket.closed (the requester's mail, partners' webhooks):
    // only what the requester's side sees, never an internal note's particulars (P9).
    holdsCredentials: (tx: EntityManager, ticketId: string): Promise<boolean> => credentialStore.hasLive(tx, ticketId, 'public'),
    onResolved: async (tx: EntityManager, ticket: HookTicket, now: Date): Promise<void> => {
      const resolved = await onTicketResolved(tx, deps, { ticketId: ticket.id, partnerId: ticket.partnerId, resolvedAt: ticket.resolvedAt ?? now });
      if (resolved.destroyAt && resolved.requesterToBeTold) await tellRequesterToChangeCredentials(tx, ticket, resolved.destroyAt, now);
    },
    onReopened: async (tx: EntityManager, ticket: HookTicket): Promise<void> => {
      await onTicketReopened(tx, deps, { ticketId: ticket.id });
    },
    // A ticket closed without a resolution (P6, out of scope) must lose its credentials too; the
    // lifecycle calls this once LifecycleHooks has `onClosed` (see the credentials ADR).
    onClosed: async (tx: EntityManager, ticket: HookTicket, now: Date): Promise<void> => {
      await onTicketClosed(tx, deps, { ticketId: ticket.id, partnerId: ticket.partnerId, closedAt: now, resolvedAt: ticket.resolvedAt });
    },
  },
  filing: {
    // P9: particulars pasted into a new request are masked before the ticket row, its search
    // document or its ticket.created event ever hold them; stored once the row exists. Every text
    // of the request is shown (the ticket's GET, its thread), the details as much as the description.
    beforeFiling: (request: TicketRequest) => {
      const masked: Partial<Record<MaskedRequestText, string>> = {};
      const pending: ReturnType<typeof maskForVault>['pending'] = [];
      for (const field of MASKED_REQUEST_TEXTS) {
        const text = request[field];
        if (text === undefined) continue;
        const vaulted = maskForVault(text);
        masked[field] = vaulted.text;
        pending.push(...vaulted.pending);
      }
      const after = async (tx: EntityManager, ticket: HookTicket, actor: Actor, now: Date): Promise<void> => {
        await vaultPending(tx, deps, { ticketId: ticket.id, partnerId: ticket.partnerId, pending, actor, now });
        await messageStore.insert(tx, {
          id: randomUUID(),
          ticketId: ticket.id,
          partnerId: ticket.partnerId,
          author: { kind: 'system' },
          visibility: 'public',
          channel: ticket.channel,
          body: vaultedNote(pending.length, ticket.language, 'request', true, privateKeysIn(pending)),
          attachmentIds: [],
          createdAt: now,
        });
      };
      // Nothing to vault, nothing to write once the row exists: the filing stays one statement.
      return { request: { ...request, ...masked }, vaulted: pending.length, ...(pending.length > 0 ? { after } : {}) };
    },
  },
  message: {
    beforeStore: async (
      tx: EntityManager,
      input: { ticket: HookTicket; text: string; actor: Actor; byAgent: boolean; now: Date; textOf?: VaultedFrom; visibility?: 'public' | 'internal'; otherSender?: string },
    ): Promise<{ text: string; notes: string[]; vaulted: number; dueWithResolution?: DueWithResolution }> => {
      // An internal note's particulars are staff's, as the note is: hidden from the requester's side (P9).
      const vaulted = await vaultSecretsInText(tx, deps, {
        ticketId: input.ticket.id,
        partnerId: input.ticket.partnerId,
        text: input.text,
        actor: input.actor,
        now: input.now,
        ...(input.visibility ? { visibility: input.visibility } : {}),
        // A file's name: staff see where the particulars were (docs/adr/0026, 2026-12-05, first session).
        ...(input.textOf === 'file_name' ? { label: DETECTED_IN_FILE_NAME_LABEL } : {}),
      });
      const count = vaulted.vaulted.length;
      if (count === 0) return { text: vaulted.text, notes: [], vaulted: 0 };
      const due = dueWithResolution(vaulted, input);
      return { text: vaulted.text, notes: [noteOfVaulting(takenBy(vaulted), input)], vaulted: count, ...(due ? { dueWithResolution: due } : {}) };
    },
  },
});

/**
 * The credentials vault (P9, issue #9): access particulars sealed under a data key each, the data
 * key wrapped by a master key (TSS_MASTER_KEYS, read from the environment like the gateway's),
 * revealed to staff only, destroyed with their data key at most 2 days after resolution.
 * docs/adr/0026-credentials-vault.md.
 */
export const credentialsPart = defineIntakePart({
  name: 'credentials',
  config: {
    CREDENTIALS_DESTROY_AFTER_MINUTES: Type.Integer({
      minimum: 0,
      maximum: MAX_DESTROY_AFTER_MINUTES,
      default: MAX_DESTROY_AFTER_MINUTES,
      description: 'P9: credentials are destroyed this long after their ticket is resolved (at most 2 days)',
    }),
  },
  migrations: [Credentials1765000200000, MaskCredentialLabels1765601900000, InternalNoteCredentials1765601920000, MasterKeyChecks1765606831000],
  build: (deps) => {
    const vault = credentialVault(deps); // a bad TSS_MASTER_KEYS fails here, before anything is served
    const hooks = credentialHooks(deps);
    deps.lifecycleHooks.push(hooks.lifecycle);
    deps.messageHooks.push(hooks.message);
    deps.filingHooks.push(hooks.filing);
    return {
      // A master key that does not open what the vault holds under its id refuses the start, before anything is served or written.
      startChecks: [() => vault.masterKeys.problems()],
      routes: async (app) => {
        await vault.keyWrapper(); // master keys opened (and keys re-wrapped) at start, not on the first request
        await app.register(namedPlugin('credentialRoutes', credentialRoutes(deps)));
      },
      timers: { [CREDENTIALS_DESTROY_TIMER]: credentialsDestroyTimer(deps) },
    };
  },
});
