import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Channel, RefusedAttachment } from '@tss/contracts';
import type { UnitOfWork } from '@tss/messaging';
import { keyStillBinds } from '@tss/runtime';
import { err, ok, requestVerifier, type AttachmentSizeLimits, type Clock, type Failure, type Result } from '@tss/service-kit';
import type { Actor } from '../domain/actor';
import { inRequestersName, withOurLine, type Message, type RequestersWordsAuthor } from '../domain/message';
import { bothDue, type DueWithResolution } from '../domain/due-with-resolution';
import { receiveAgentMessage, receiveRequesterMessage, type Ticket } from '../domain/ticket';
import type { LinkedAttachment } from '../store/attachment.store';
import { messageStore } from '../store/message.store';
import { ticketStore } from '../store/ticket.store';
import { commitChange, type ChangeDeps } from './commit-change';
import { rewriteFileNames } from './file-name-particulars';
import type { TicketLocation } from './find-ticket';

/**
 * Which text is rewritten: a message, a "not solved" rating's comment (not on the thread), or the
 * name of a file (shown with the file), so notes name it (P9).
 */
export type RequestersText = 'message' | 'rating_comment' | 'file_name';

/** What other parts do to a message before it is stored (credentials vault: mask particulars, P9; attachments: link them, P8). */
export interface MessageHooks {
  /**
   * Rewrites a message's text before it is stored (P9 masking); returns the text to store and notes:
   * for the thread when the requester's side wrote it, for the answer only when an agent did.
   * `otherSender`: the address of a mail sender who is not the requester, whom the thread's note names.
   * `dueWithResolution`: on a resolved ticket, the particulars taken are due with its resolution's
   * (P9), and its `notes` replace `notes` if the message leaves the ticket resolved.
   */
  beforeStore?(
    tx: EntityManager,
    input: { ticket: Ticket; messageId?: string; text: string; actor: Actor; byAgent: boolean; now: Date; textOf?: RequestersText; visibility?: 'public' | 'internal'; otherSender?: string },
  ): Promise<{ text: string; notes: string[]; vaulted?: number; dueWithResolution?: DueWithResolution }>;
  /**
   * Makes a mail's attachments (stored by notification) the ticket's, before the message that
   * names them is posted: the ids of the accepted ones, and the refused ones by name and reason code.
   * `rewriteNames` gives each name as it is to be kept (P9: particulars vaulted and masked).
   */
  registerMailed?(
    tx: EntityManager,
    input: {
      ticket: { id: string; partnerId: string };
      attachments: readonly { storageKey: string; filename: string; contentType: string }[];
      actor: Actor;
      rewriteNames?: (names: readonly string[]) => Promise<readonly string[]>;
    },
  ): Promise<{ accepted: string[]; refused: RefusedAttachment[]; limits?: AttachmentSizeLimits }>;
  /** Links uploaded attachments to the message and answers them in its order; a failure refuses the whole message. */
  linkAttachments?(tx: EntityManager, input: { ticket: Ticket; messageId: string; attachmentIds: string[] }): Promise<Result<LinkedAttachment[], Failure>>;
}

export interface PostMessageDeps extends ChangeDeps {
  unitOfWork: UnitOfWork;
  clock: Clock;
  messageHooks?: readonly MessageHooks[];
}

/**
 * Files that came with the message in its request (P8), their blobs stored but not yet the
 * ticket's: recorded in the message's transaction, so a message refused or replayed keeps none.
 */
export interface StagedAttachments {
  ids: string[];
  /** SHA-256 of each file, in order: a retry of the message is compared by them (its ids are new each time). */
  contentHashes: string[];
  /** The name each file is shown under, in order, before P9's masking. */
  fileNames: string[];
  /** Records the files under `fileNames` (in order): their names as they are to be stored, masked (P9). */
  record(tx: EntityManager, fileNames: readonly string[]): Promise<void>;
}

export interface NewMessage {
  at: TicketLocation;
  /**
   * `email_sender`: mail from an address other than the requester's, named by it (domain/mail-author.ts).
   * `staff` with `onBehalfOf`: a staff member through a site link they minted, in the requester's name.
   */
  author:
    | { kind: 'requester' | 'agent'; id: string; name?: string }
    | { kind: 'email_sender'; name: string }
    | RequestersWordsAuthor;
  actor: Actor;
  visibility: 'public' | 'internal';
  channel: Channel;
  body: string;
  subject?: string;
  attachmentIds: string[];
  /** The files of this request, named in `attachmentIds` once recorded. */
  staged?: StagedAttachments;
  emailMessageId?: string;
  /** The reason of a reopen request (reopen-ticket.ts): a comment on the resolved ticket, which that request then reopens. */
  reasonOfReopen?: boolean;
  /** The instant of the change this message is part of (a reopening's reason): one instant for both, so the history never runs backwards. */
  now?: Date;
  /**
   * P9: particulars the vault took from the names of files registered before the message (a mail's,
   * `registerMailed`): told with the message's own, and counted in `credentialsVaulted`.
   */
  vaultedFromFiles?: { notes: readonly string[]; count: number };
  /** P2: `false` for a mail with no words of its own (`notification.email_received`'s `ownText`): it describes no request. */
  ownText?: boolean;
  /**
   * A line of ours after the sender's words (`body`): a "not solved" rating's, naming the ticket rated.
   * The thread shows both (`withOurLine`); the line is not the sender's, so P9 does not read it and it
   * describes no request (P2: only `body` does; docs/adr/0029, addendum of 2026-12-05, sixth session).
   */
  ourLine?: string;
}

export interface PostedMessage {
  message: Message;
  ticket: Ticket;
  /** Notes added for the requester (e.g. "your password was moved to the vault"). */
  notes: string[];
  replayed: boolean;
}

/**
 * A text about to be stored on a ticket, through every message hook's `beforeStore` (P9: particulars
 * vaulted and masked): the text to store and the notes for whoever wrote it. Messages, and the
 * texts that are not messages but are shown as a ticket's (a reopening's reason).
 */
export const rewriteBeforeStore = async (
  tx: EntityManager,
  deps: { messageHooks?: readonly MessageHooks[] },
  input: { ticket: Ticket; messageId?: string; text: string; actor: Actor; byAgent: boolean; now: Date; textOf?: RequestersText; visibility?: 'public' | 'internal'; otherSender?: string },
): Promise<{ text: string; notes: string[]; vaulted: number; dueWithResolution?: DueWithResolution }> => {
  let text = input.text;
  const notes: string[] = [];
  let due: DueWithResolution | undefined;
  let vaulted = 0;
  for (const hooks of deps.messageHooks ?? []) {
    if (!hooks.beforeStore) continue;
    const rewritten = await hooks.beforeStore(tx, { ...input, text });
    text = rewritten.text;
    notes.push(...rewritten.notes);
    due = bothDue(due, rewritten.dueWithResolution);
    vaulted += rewritten.vaulted ?? 0;
  }
  return { text, notes, vaulted, ...(due ? { dueWithResolution: due } : {}) };
};

/** Notes for the requester's side, on the thread as the system's public messages (P9: "the requester is told"). */
export const postNotesIn = async (tx: EntityManager, ticket: Pick<Ticket, 'id' | 'partnerId'>, input: { notes: readonly string[]; channel: Channel; now: Date }): Promise<void> => {
  for (const note of input.notes) {
    await messageStore.insert(tx, {
      id: randomUUID(),
      ticketId: ticket.id,
      partnerId: ticket.partnerId,
      author: { kind: 'system' },
      visibility: 'public',
      channel: input.channel,
      body: note,
      attachmentIds: [],
      createdAt: input.now,
    });
  }
};

/**
 * What tells a retry under an Idempotency-Key from another message, kept on the message until the key, expired, is used again:
 * never of the particulars the vault destroys (P9), each replaced by a placeholder, so two messages
 * that differ only in them are the same message (docs/adr/0026, addendum of 2026-12-05, fourth session).
 */
const verifierOf = (m: NewMessage): string => {
  // Files sent with the message are the same files on a retry, under new ids; the attachments it
  // names besides them (uploaded before) keep theirs.
  const stagedIds = new Set(m.staged?.ids ?? []);
  const named = m.attachmentIds.filter((id) => !stagedIds.has(id));
  return requestVerifier({
    author: m.author.kind === 'email_sender' ? m.author.name : m.author.id,
    visibility: m.visibility,
    body: m.ourLine === undefined ? m.body : withOurLine(m.body, m.ourLine),
    ...(m.staged ? { files: m.staged.contentHashes, ...(named.length > 0 ? { attachmentIds: named } : {}) } : { attachmentIds: m.attachmentIds }),
  });
};

/**
 * P8: a message on a ticket's thread, with the ticket's reaction (P5 response owed or given,
 * P7 team-leader phrase, P10 the wait on the requester ends) in one transaction. Runs inside `tx`
 * so inbound mail can thread in its inbox transaction.
 */
export const postMessageIn = async (
  tx: EntityManager,
  deps: Omit<PostMessageDeps, 'unitOfWork'>,
  input: NewMessage,
  idempotencyKey?: string,
): Promise<Result<PostedMessage, Failure>> => {
  const locked = await ticketStore.lockForChange(tx, input.at.partnerId, input.at.id);
  if (!locked) return err({ kind: 'not_found', detail: 'No such ticket.' });
  // Only a keyed message is ever compared: one without a key keeps no verifier.
  const requestHash = idempotencyKey ? verifierOf(input) : undefined;
  if (idempotencyKey) {
    const earlier = await messageStore.findByIdempotencyKey(tx, locked.id, idempotencyKey);
    if (earlier && !keyStillBinds(earlier.createdAt, deps.clock.now())) {
      // 24 h after its first request the key is new, whatever the body, as the runtime's claim has
      // it (docs/adr/0028): the old message lets go of it (the ticket's row lock orders this) and
      // this request posts its own.
      await messageStore.releaseIdempotencyKey(tx, earlier.id);
    } else if (earlier) {
      // A message whose verifier the upgrade cleared (it could hold particulars) is compared by its key alone.
      if (earlier.requestHash !== undefined && earlier.requestHash !== requestHash) return err({ kind: 'idempotency_mismatch', detail: 'This Idempotency-Key was used for a different message.' });
      return ok({ message: earlier, ticket: locked, notes: [], replayed: true });
    }
  }
  const now = input.now ?? deps.clock.now();
  const messageId = randomUUID();
  // P9: particulars are never shown in threads, whoever wrote them: the requester, another mail
  // sender, or an agent (a public answer goes out by mail; an internal note is read by every agent).
  const byAgent = input.author.kind === 'agent';
  // An internal note's particulars are vaulted as staff's, as the note is (docs/adr/0026, sixth session).
  // Another mail sender's particulars: the thread, which the requester reads, names whose message it was.
  const otherSender = input.author.kind === 'email_sender' ? { otherSender: input.author.name } : {};
  const context = { ticket: locked, messageId, actor: input.actor, byAgent, now, visibility: input.visibility, ...otherSender };
  const written = await rewriteBeforeStore(tx, deps, { ...context, text: input.body });
  const body = input.ourLine === undefined ? written.text : withOurLine(written.text, input.ourLine);
  // P9: the names of the files sent with it are shown with it, so they are vaulted and masked as its
  // text is, before anything of them is stored (docs/adr/0026, addendum of 2026-12-05, first session).
  const files = input.staged
    ? await rewriteFileNames(input.staged.fileNames, (text) => rewriteBeforeStore(tx, deps, { ...context, text, textOf: 'file_name' }))
    : { names: [], notes: [], vaulted: 0 };
  const vaulted = written.vaulted + files.vaulted + (input.vaultedFromFiles?.count ?? 0);
  // Another sender's mail on the thread moves the ticket as the requester's reply does (docs/adr/0035),
  // except that only the requester's own mail reopens a resolved ticket (docs/adr/0029).
  const change =
    input.author.kind === 'agent'
      ? receiveAgentMessage(locked, { id: messageId, authorId: input.author.id, visibility: input.visibility, body })
      : receiveRequesterMessage(
          locked,
          // The masked text: the team leader's quote (P7) carries no particulars either (P9).
          {
            id: messageId,
            channel: input.channel,
            attachmentIds: input.attachmentIds,
            subject: input.subject,
            body,
            fromRequester: inRequestersName(input.author),
            ...(input.reasonOfReopen ? { reasonOfReopen: true } : {}),
            ...(input.ownText !== undefined ? { ownText: input.ownText } : {}),
            ...(input.ourLine !== undefined ? { words: written.text } : {}),
          },
          now,
        );
  if ('violation' in change) {
    const v = change.violation;
    return err(v.kind === 'invalid_transition' ? { kind: 'invalid_transition', detail: v.detail, extensions: { allowed: v.allowed } } : { kind: 'unprocessable', detail: v.detail });
  }
  // P9: on a ticket this message leaves resolved, the particulars taken are due with its resolution's,
  // and what is told names the deadline (docs/adr/0026, addendum of 2026-12-05, third session).
  const due = change.ticket.status === 'resolved' ? bothDue(written.dueWithResolution, files.dueWithResolution) : undefined;
  const notes = [
    ...(due && written.dueWithResolution ? written.dueWithResolution.notes : written.notes),
    ...(due && files.dueWithResolution ? files.dueWithResolution.notes : files.notes),
    ...(input.vaultedFromFiles?.notes ?? []),
  ];
  // P9: the requester is told by mail too (notification reads `ticket.message_received`), not only on
  // the thread; another mail sender's particulars are told on the thread alone (docs/adr/0026, sixth
  // session). Those due with the resolution are told as particulars handed over after it are, with the deadline.
  const toldByMail = vaulted > 0 && !byAgent && inRequestersName(input.author);
  const effects = !toldByMail
    ? change.effects
    : due
      ? [...change.effects, { kind: 'credentials_stored_after_resolution' as const, credentialId: due.credentialIds[0], destroyAfter: due.destroyAfter }]
      : change.effects.map((e) => (e.kind === 'message_received' ? { ...e, credentialsVaulted: vaulted } : e));
  const message: Message = {
    id: messageId,
    ticketId: locked.id,
    partnerId: locked.partnerId,
    author: input.author,
    visibility: input.visibility,
    channel: input.channel,
    body,
    attachmentIds: input.attachmentIds,
    ...(input.emailMessageId ? { emailMessageId: input.emailMessageId } : {}),
    createdAt: now,
  };
  await messageStore.insert(tx, message, { idempotencyKey, requestHash });
  await input.staged?.record(tx, files.names);
  let attachments: LinkedAttachment[] = [];
  if (input.attachmentIds.length > 0) {
    const linker = (deps.messageHooks ?? []).find((h) => h.linkAttachments);
    if (!linker?.linkAttachments) return err({ kind: 'unprocessable', detail: 'Attachments are not available on this service.' });
    const linked = await linker.linkAttachments(tx, { ticket: locked, messageId, attachmentIds: input.attachmentIds });
    if (!linked.ok) return linked;
    attachments = linked.value;
  }
  // The requester's side is told in the thread; an agent, in the answer to the post.
  if (!byAgent) await postNotesIn(tx, locked, { notes, channel: input.channel, now });
  // P8: an agent's reply names its files as the thread shows them (masked, P9), so the requester's
  // mail says a file came with it (docs/adr/0035, addendum of 2026-12-05, fifth session).
  const announced = attachments.length > 0 ? effects.map((e) => (e.kind === 'agent_replied' ? { ...e, attachments } : e)) : effects;
  const ticket = await commitChange(tx, deps, locked, { ticket: change.ticket, effects: announced }, input.actor, now);
  return ok({ message, ticket, notes, replayed: false });
};

/** The route's entry: the message in its own transaction (a failure rolls back everything, attachments' links included). */
export const postMessage = async (deps: PostMessageDeps, input: NewMessage, idempotencyKey?: string): Promise<Result<PostedMessage, Failure>> => {
  try {
    return await deps.unitOfWork.run(async (tx) => {
      const result = await postMessageIn(tx, deps, input, idempotencyKey);
      if (!result.ok) throw new RolledBack(result.error);
      return result;
    });
  } catch (error) {
    if (error instanceof RolledBack) return err(error.failure);
    throw error;
  }
};

/**
 * A message and the files of its request (P8): they become the ticket's attachments only with
 * the message, after those it names (`attachmentIds`, uploaded before). A message not posted
 * (refused, or a retry answered with the earlier one, docs/adr/0028) leaves no file: the staged
 * blobs are removed.
 */
export const postMessageWithFiles = async (
  deps: PostMessageDeps,
  input: Omit<NewMessage, 'staged'>,
  staged: StagedAttachments & { discard(): Promise<void> },
  idempotencyKey?: string,
): Promise<Result<PostedMessage, Failure>> => {
  let posted: Result<PostedMessage, Failure> | undefined;
  try {
    posted = await postMessage(deps, { ...input, attachmentIds: [...input.attachmentIds, ...staged.ids], staged }, idempotencyKey);
    return posted;
  } finally {
    if (!posted?.ok || posted.value.replayed) await staged.discard();
  }
};

class RolledBack extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail ?? failure.kind);
  }
}
