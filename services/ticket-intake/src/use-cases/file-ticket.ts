import { randomBytes } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import type { EntityManager } from 'typeorm';
import type { Channel, Language } from '@tss/contracts';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import { keyStillBinds } from '@tss/runtime';
import { err, ok, partnerRefusalDetail, requestVerifier, type Clock, type Failure, type Result } from '@tss/service-kit';
import type { Actor } from '../domain/actor';
import { generateReference } from '../domain/reference-number';
import { filedLevelViolation, openTicket, type Ticket } from '../domain/ticket';
import type { TicketRequest } from '../domain/ticket-request';
import { ticketEventDrafts } from '../events/ticket-events.producer';
import { historyStore } from '../store/history.store';
import { partnerStore } from '../store/partner.store';
import { failureOf } from './rule-failure';
import { ticketStore, toTicket } from '../store/ticket.store';

/** A reused Idempotency-Key (422), or a level the rules refuse (P5, P12: 422 naming the field). */
export type FileTicketError = { kind: 'idempotency_mismatch'; detail: string } | Failure;

export interface FiledTicket {
  ticket: Ticket;
  /** True when an earlier request with the same Idempotency-Key already filed it. */
  replayed: boolean;
}

export interface NewTicket {
  partnerId: string;
  channel: Channel;
  language?: Language;
  request: TicketRequest;
  /** P11: the earlier ticket this one follows up. */
  linkedTicketId?: string;
  /** P8: the Message-ID of the mail that files it, named on `ticket.created` so its acknowledgment answers that mail. */
  openingMessageId?: string;
  /** P12: an agent registering a phone contact confirmed the level they filed. */
  levelConfirmed?: boolean;
  /** P5: with `levelConfirmed`, the agent confirmed the critical error an emergency needs. */
  criticalErrorConfirmed?: boolean;
  actor: Actor;
}

/**
 * What a part does to a request before its ticket is stored (credentials: mask access
 * particulars, P9) and, in the same transaction, once the row exists (`after`: vault them).
 */
export interface FilingHooks {
  /** `vaulted`: how many access particulars were taken out (P9): `ticket.created` says so, so the acknowledgment tells the requester. */
  beforeFiling(request: TicketRequest): { request: TicketRequest; vaulted?: number; after?(tx: EntityManager, ticket: Ticket, actor: Actor, now: Date): Promise<void> };
}

/** A request as the filing hooks left it, with what they write once its row exists. */
interface PreparedFiling {
  input: NewTicket;
  vaulted: number;
  afterInsert: ((tx: EntityManager, ticket: Ticket, actor: Actor, now: Date) => Promise<void>)[];
}

const prepareFiling = (hooks: readonly FilingHooks[] | undefined, given: NewTicket): PreparedFiling => {
  const afterInsert: PreparedFiling['afterInsert'] = [];
  let request = given.request;
  let vaulted = 0;
  for (const hook of hooks ?? []) {
    const rewritten = hook.beforeFiling(request);
    request = rewritten.request;
    vaulted += rewritten.vaulted ?? 0;
    if (rewritten.after) afterInsert.push(rewritten.after);
  }
  return { input: { ...given, request }, vaulted, afterInsert };
};

const MAX_REFERENCE_ATTEMPTS = 5;

/**
 * What tells a retry under an Idempotency-Key from another request, kept on the ticket until the key, expired, is used again:
 * over the canonical form (fields in another order are the same request), and never of the
 * particulars the vault destroys (P9): each is replaced by a placeholder, so two requests that
 * differ only in them are the same request (docs/adr/0026, addendum of 2026-12-05, fourth session).
 */
const verifierOf = (request: TicketRequest): string => requestVerifier(request);

/**
 * Files a ticket inside `tx`: the row, its events and its first history entry. The events are
 * numbered before the row is written, so the row goes in with its final sequence, its outbox rows
 * and its history in one statement: no UPDATE, no SELECT first (issues #8, #15).
 */
export const fileTicketIn = (
  tx: EntityManager,
  deps: { outbox: Outbox; clock: Clock; filingHooks?: readonly FilingHooks[] },
  given: NewTicket,
  extra: { idempotencyKey?: string; requestHash?: string } = {},
): Promise<Ticket> => writeFiling(tx, deps, prepareFiling(deps.filingHooks, given), extra);

const writeFiling = async (
  tx: EntityManager,
  deps: { outbox: Outbox; clock: Clock },
  { input, vaulted, afterInsert }: PreparedFiling,
  extra: { idempotencyKey?: string; requestHash?: string },
): Promise<Ticket> => {
  const now = deps.clock.now();
  // Time-ordered (RFC 9562 version 7): a ticket's rows in every service, keyed by its id, sit
  // beside those of the tickets filed with it (docs/adr/0060).
  const id = uuidv7();
  for (let attempt = 1; ; attempt += 1) {
    const reference = generateReference(randomBytes);
    const opened = openTicket(
      { id, partnerId: input.partnerId, reference, channel: input.channel, language: input.language, request: input.request, linkedTicketId: input.linkedTicketId, openingMessageId: input.openingMessageId },
      now,
    );
    const { ticket } = opened;
    const effects = vaulted > 0 ? opened.effects.map((e) => (e.kind === 'created' ? { ...e, credentialsVaulted: vaulted } : e)) : opened.effects;
    if (input.levelConfirmed) ticket.levelConfirmed = true;
    const { drafts, sequence } = ticketEventDrafts(ticket, effects, now);
    ticket.sequence = sequence;
    // One entry per event, numbered as the events are: the filing, and its acceptance by the API's
    // 201 or a team-leader request in its text (the history lists every change).
    const history = effects.map(({ kind, ...rest }, i) => ({
      ticketId: id,
      partnerId: input.partnerId,
      at: now,
      actor: input.actor,
      action: kind,
      detail: kind === 'created' ? { channel: ticket.channel, level: ticket.level, reference, ...rest } : rest,
      sequence: i + 1,
    }));
    // The row, its events and its history in one statement: written together, or (the reference
    // taken) none of them.
    const filed = await ticketStore.insertUnlessReferenceTaken(tx, ticket, extra, now, [
      (first, onlyIf) => deps.outbox.addAllStatement(drafts, first, tx, onlyIf),
      (first, onlyIf) => historyStore.appendStatement(history, first, onlyIf),
    ]);
    if (filed) {
      for (const after of afterInsert) await after(tx, ticket, input.actor, now);
      return ticket;
    }
    if (attempt >= MAX_REFERENCE_ATTEMPTS) throw new Error(`no free reference number after ${attempt} attempts`);
  }
};

/** P2–P4: file a request for a partner; the ticket and its events commit together. */
export const fileTicket = async (
  deps: { unitOfWork: UnitOfWork; outbox: Outbox; clock: Clock; filingHooks?: readonly FilingHooks[] },
  input: NewTicket & { idempotencyKey?: string; partnerNamedByFiler?: boolean },
): Promise<Result<FiledTicket, FileTicketError>> => {
  // P5/P12: the level is checked as an agent's PATCH checks it, before anything is written.
  const refused = filedLevelViolation({ channel: input.channel, level: input.request.level, levelConfirmed: input.levelConfirmed === true, criticalErrorConfirmed: input.criticalErrorConfirmed });
  if (refused) return Promise.resolve(err(failureOf(refused)));
  const prepared = prepareFiling(deps.filingHooks, input);
  // A partner's filing without a key is one statement (the ticket, its events, its history) and
  // nothing else: sent alone, it needs no BEGIN and COMMIT around it (issue #15, docs/adr/0081).
  if (!input.idempotencyKey && !input.partnerNamedByFiler && prepared.afterInsert.length === 0) {
    return ok({ ticket: await deps.unitOfWork.runAutocommit((manager) => writeFiling(manager, deps, prepared, {})), replayed: false });
  }
  return deps.unitOfWork.run(async (tx) => {
    // Only a keyed request is ever compared: one without a key keeps no verifier.
    const requestHash = input.idempotencyKey ? verifierOf(input.request) : undefined;
    if (input.idempotencyKey) {
      // Serialise retries of one key so two concurrent retries cannot both insert; a ticket that
      // carries the key is the proof its request committed (the HTTP layer's key store aside).
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`idem:${input.partnerId}:${input.idempotencyKey}`]);
      const earlier = await ticketStore.findByIdempotencyKey(tx, input.partnerId, input.idempotencyKey);
      if (earlier && !keyStillBinds(earlier.receivedAt, deps.clock.now())) {
        // 24 h after its first request the key is new, whatever the body, as the runtime's claim
        // has it (docs/adr/0028): the old ticket lets go of it and this request files its own.
        await ticketStore.releaseIdempotencyKey(tx, earlier.id);
      } else if (earlier) {
        // A ticket whose verifier the upgrade cleared (it could hold particulars) is compared by its key alone.
        if (earlier.requestHash !== null && earlier.requestHash !== requestHash) {
          return err({ kind: 'idempotency_mismatch', detail: 'This Idempotency-Key was used for a different request.' });
        }
        return ok({ ticket: toTicket(earlier), replayed: true });
      }
    }
    // P12: staff name the partner they file for, and it must be one the gateway registered (its
    // `partner.*` events; docs/adr/0029, addendum of 2026-12-04); partners' tokens carry their own.
    const refusal = input.partnerNamedByFiler ? partnerRefusalDetail(input.partnerId, await partnerStore.activeOf(tx, input.partnerId)) : undefined;
    if (refusal) return err({ kind: 'unprocessable', detail: refusal, extensions: { errors: [{ in: 'body', pointer: '/partnerId', message: refusal }] } });
    const ticket = await writeFiling(tx, deps, prepared, { idempotencyKey: input.idempotencyKey, requestHash });
    return ok({ ticket, replayed: false });
  });
};
