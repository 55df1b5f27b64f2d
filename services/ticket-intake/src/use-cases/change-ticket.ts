import type { Clock, Failure, Result } from '@tss/service-kit';
import { err, failedPrecondition, ifMatchAdmits, ifMatchNamesAVersion, ok } from '@tss/service-kit';
import type { UnitOfWork } from '@tss/messaging';
import type { Actor } from '../domain/actor';
import { applyPatch, type Ticket, type TicketPatch } from '../domain/ticket';
import { REQUEST_DETAILS } from '../domain/ticket-request';
import { ticketStore } from '../store/ticket.store';
import { checkNewAssignee, readNamedAssignee } from './check-assignee';
import { commitChange, type ChangeDeps } from './commit-change';
import type { TicketLocation } from './find-ticket';
import { rewriteBeforeStore, type MessageHooks } from './post-message';
import { failureOf } from './rule-failure';

export interface ChangeTicketDeps extends ChangeDeps {
  unitOfWork: UnitOfWork;
  clock: Clock;
  reopenWindowMs: number;
  messageHooks?: readonly MessageHooks[];
}

/** The free texts of a PATCH that are shown as the ticket's (P9 masks them): the note and the request details but the product; a closure's `note` besides. */
const SHOWN_TEXTS = ['note', ...REQUEST_DETAILS.filter((field) => field !== 'product')] as const;
const shownTexts = (patch: TicketPatch): (typeof SHOWN_TEXTS)[number][] => SHOWN_TEXTS.filter((field) => patch[field] !== undefined);

/** Which representation of a ticket its reader gets: as written, or with link credentials withheld (staff: shownToReader). */
export type TicketRepresentation = 'as_written' | 'withheld';

/**
 * The ETag of a ticket's representation: its version (the sequence of its last event), and for the
 * staff's when link credentials are withheld from it, `-withheld` (RFC 9110 §8.8.3: a strong tag
 * names one representation; docs/adr/0069, addendum of 2026-12-05, fourth session).
 */
export const etagOf = (ticket: Pick<Ticket, 'sequence'>, representation: TicketRepresentation = 'as_written'): string =>
  representation === 'withheld' ? `"${ticket.sequence}-withheld"` : `"${ticket.sequence}"`;

/** The tags of both representations of the ticket's version: a change is made over a version, whichever of them its caller read. */
const etagsOfVersion = (ticket: Pick<Ticket, 'sequence'>): string[] => [etagOf(ticket), etagOf(ticket, 'withheld')];


/**
 * An agent's PATCH (issue #9 "Concurrency", "Classification by agents"): under the ticket's row
 * lock, the If-Match version is checked (412 when the ticket changed meanwhile), then If-None-Match
 * (412 when it names the ticket as it is, or is `*`: RFC 9110 §13.2.2), then the rules.
 */
export const changeTicket = (
  deps: ChangeTicketDeps,
  input: {
    at: TicketLocation;
    ifMatch: string | undefined;
    ifNoneMatch?: string;
    patch: TicketPatch;
    actor: Actor;
    /** The tag of the representation the caller reads, for the 412 to name; the as-written one by default. */
    etagForReader?: (ticket: Ticket) => string;
  },
): Promise<Result<Ticket, Failure>> =>
  deps.unitOfWork.run(async (tx) => {
    if (input.ifMatch === undefined) {
      return err({ kind: 'precondition_required', detail: 'Send If-Match with the ETag of the ticket you read: two agents must not overwrite each other.' });
    }
    // `*` matches whatever version is current: agents sending it would overwrite each other unseen.
    if (!ifMatchNamesAVersion(input.ifMatch)) {
      return err({ kind: 'precondition_required', detail: 'If-Match: * names no version: send the ETag of the ticket you read, so two agents do not overwrite each other.' });
    }
    const namedAssignee = await readNamedAssignee(tx, input.patch);
    const locked = await ticketStore.lockForChange(tx, input.at.partnerId, input.at.id);
    if (!locked) return err({ kind: 'not_found', detail: 'No such ticket.' });
    const readerEtag = input.etagForReader?.(locked) ?? etagOf(locked);
    // RFC 9110 §13.1.1: strong comparison, so a weak tag (`W/"3"`) is a 412 whatever its number.
    const ifMatch = input.ifMatch;
    if (!etagsOfVersion(locked).some((etag) => ifMatchAdmits(ifMatch, etag))) {
      return err({ kind: 'precondition_failed', detail: `The ticket changed since it was read; its ETag is now ${readerEtag}.`, extensions: { etag: readerEtag } });
    }
    if (failedPrecondition({ ifNoneMatch: input.ifNoneMatch }, { exists: true, etags: etagsOfVersion(locked) })) {
      return err({
        kind: 'precondition_failed',
        detail: `If-None-Match names the ticket as it is (${readerEtag}), or is *: nothing was changed.`,
        extensions: { etag: readerEtag },
      });
    }
    const now = deps.clock.now();
    const change = applyPatch(locked, input.patch, now, deps.reopenWindowMs);
    if ('violation' in change) return err(failureOf(change.violation));
    const refused = checkNewAssignee(locked.assigneeId, input.patch, input.actor, namedAssignee);
    if (refused) return err(failureOf(refused));
    const texts = shownTexts(input.patch);
    const closure = input.patch.closure;
    if (texts.length === 0 && closure?.note === undefined) return ok(await commitChange(tx, deps, locked, change, input.actor, now));
    // P9: the note, a closure's note and the details are shown as the ticket's (its view, the list,
    // history, events, webhooks): masked as an agent's message, their particulars vaulted
    // (docs/adr/0026, 0069), once the rules have admitted the change.
    const rewrite = async (text: string): Promise<string> => (await rewriteBeforeStore(tx, deps, { ticket: locked, text, actor: input.actor, byAgent: true, now })).text;
    const masked: TicketPatch = { ...input.patch };
    for (const field of texts) {
      const text = input.patch[field];
      if (text === undefined) continue;
      Object.assign(masked, { [field]: await rewrite(text) });
    }
    if (closure?.note !== undefined) masked.closure = { ...closure, note: await rewrite(closure.note) };
    const unchanged = texts.every((field) => masked[field] === input.patch[field]) && masked.closure?.note === closure?.note;
    const remade = unchanged ? change : applyPatch(locked, masked, now, deps.reopenWindowMs);
    if ('violation' in remade) throw new Error(`ticket ${locked.id}: masking a note or detail changed whether the PATCH applies`);
    return ok(await commitChange(tx, deps, locked, remade, input.actor, now, masked.note));
  });
