import { cutText, outOfScopeCase, SUPPORT_CATEGORIES, type SupportCategory } from '@tss/contracts';
import type { Channel, Language, OutOfScopeReason, ReferralTarget, RefusedAttachment, RepliedAttachment, RequesterWaitReason, ServiceLevel, SupportCategoryCode, SupportDelay, ThirdPartyKind, TicketStatus } from '@tss/contracts';
import { missingDetails, mentionsTeamLeader, REQUEST_DETAILS, suggestedLevel, type RecommendedDetail, type RequestDetail, type RequestDetails, type TicketRequest } from './ticket-request';

/** P6: why and to whom an out-of-scope ticket was closed. */
export interface Closure {
  reason: OutOfScopeReason | 'reopen_window_ended' | 'closed_by_support';
  thirdParty?: ThirdPartyKind;
  note?: string;
}

export interface Ticket {
  id: string;
  partnerId: string;
  reference: string;
  channel: Channel;
  language: Language;
  status: TicketStatus;
  level: ServiceLevel;
  levelConfirmed: boolean;
  category?: SupportCategoryCode;
  assigneeId?: string;
  /** P10: why it waits on the requester (only while `awaiting_customer`). */
  waitReason?: RequesterWaitReason;
  /**
   * P10: what support asked the requester when the wait began (or took its present reason): the
   * agent's note, masked (P9). Only while `awaiting_customer`; the requester's site shows it (P12).
   */
  waitQuestion?: string;
  /** P10: a delay on support's side; recorded, never stops a clock. */
  supportDelay?: SupportDelay;
  closure?: Closure;
  /** The earlier ticket this one follows up (P11: "not solved" after the reopen window). */
  linkedTicketId?: string;
  /** A response is owed (P5): the queue shows it, the SLA clock runs. */
  responseOwed: boolean;
  request: TicketRequest;
  missingDetails: RecommendedDetail[];
  teamLeaderRequested: boolean;
  receivedAt: Date;
  acceptedAt?: Date;
  resolvedAt?: Date;
  reopenWindowEndsAt?: Date;
  closedAt?: Date;
  /** Sequence number of the ticket's last event; also its version (the ETag). */
  sequence: number;
}

/** Ticket events a use case asks to publish, in order; the store numbers them. */
export type TicketEffect =
  /**
   * `openingMessageId`: the Message-ID of the mail that filed it (P8), which its acknowledgment answers.
   * P9: `credentialsVaulted`, particulars the request held, moved to the vault: the acknowledgment tells the requester.
   */
  | { kind: 'created'; linkedTicketId?: string; openingMessageId?: string; credentialsVaulted?: number }
  | { kind: 'accepted'; via: 'api' | 'acknowledgment' }
  /** P3: the acknowledgment mail could not be delivered; the ticket itself does not change. */
  | { kind: 'acknowledgment_failed'; reason: string; failedAt: Date }
  /** P7: `quote` is the subject and text that asked, for the team leader's notice (at most `QUOTE_MAX_LENGTH`). */
  | { kind: 'team_leader_requested'; messageId?: string; quote?: string }
  /**
   * P9: `credentialsVaulted`, particulars the requester's message held, moved to the vault: notification mails them.
   * P2: `describes`, the message is the description of a request filed without one (the history says so).
   */
  | { kind: 'message_received'; messageId: string; channel: Channel; attachmentIds: string[]; credentialsVaulted?: number; describes?: true }
  /**
   * P8: every public agent message on the thread, owed or not: the requester is mailed it (docs/adr/0035, addendum of 2026-12-05).
   * `attachments`: the files it carries, as the thread shows them, so the mail names them (fifth session).
   */
  | { kind: 'agent_replied'; messageId: string; authorId: string; body?: string; attachments?: RepliedAttachment[] }
  /** P5: the public reply that gave a response owed (beside its `agent_replied`). */
  | { kind: 'responded'; messageId: string; authorId: string; body?: string }
  /** `question`: P10, the agent's note to a wait on the requester, what the requester is asked (notification mails it). */
  | { kind: 'status_changed'; from: TicketStatus; to: TicketStatus; reason?: string; question?: string }
  | { kind: 'level_changed'; from: ServiceLevel; to: ServiceLevel; confirmed: boolean }
  | { kind: 'category_changed'; from?: SupportCategoryCode; to: SupportCategoryCode }
  /** P2: request details recorded after filing; `from` holds the values they replaced, when there were any. */
  | { kind: 'details_changed'; fields: RequestDetail[]; from: RequestDetails; to: RequestDetails; missingDetails: RecommendedDetail[] }
  | { kind: 'assigned'; assigneeId: string }
  /** Back to the unassigned queue (P4): nobody works the ticket any more. */
  | { kind: 'unassigned'; previousAssigneeId: string }
  | { kind: 'resolved'; reopenWindowEndsAt: Date; credentialsHeld?: boolean }
  /**
   * P9: `credentialsVaulted`, particulars a "not solved" rating's comment held: the reopened mail tells the requester.
   * `ratingSurveyId`: the survey whose "not solved" rating reopened it (rating keeps that rating, docs/adr/0040).
   */
  | { kind: 'reopened'; reason?: string; credentialsVaulted?: number; ratingSurveyId?: string }
  | { kind: 'closed'; reason: string; thirdParty?: ThirdPartyKind; credentialsHeld?: boolean }
  | { kind: 'credentials_destroyed'; credentialId: string }
  /** P9: particulars handed over on a resolved ticket, due at `destroyAfter`: the requester is told to change them (docs/adr/0026). */
  | { kind: 'credentials_stored_after_resolution'; credentialId: string; destroyAfter: Date }
  /** P8: files of a mail the content check refused; `fromRequester` when the mail was the requester's own. */
  | { kind: 'attachments_refused'; messageId: string; channel: Channel; fromRequester: boolean; files: RefusedAttachment[]; limits?: { maxFileBytes: number; maxMessageBytes: number } }
  | { kind: 'referral_rejected'; referralId: string; reason: string }
  /** `note`: the referral's reason, written for the department: the history keeps it on this entry, staff-only (`historyVisibilityOf`). */
  | { kind: 'referral_applied'; referralId: string; target: ReferralTarget; note?: string };

/** A change the rules refuse, as a value: the edge maps it to a problem. */
export type TicketRuleViolation =
  | { kind: 'invalid_transition'; detail: string; allowed: TicketStatus[] }
  /** The ticket's state forbids a change that is no status change (docs/problems.md `conflict`). */
  | { kind: 'conflict'; detail: string }
  | { kind: 'unprocessable'; detail: string; field?: string };

export type Change = { ticket: Ticket; effects: TicketEffect[] } | { violation: TicketRuleViolation };

/**
 * The status machine (issue #9). `referred` is entered only together with level `development`
 * (P5: referral is a reclassification); `resolved` leaves only by reopening or closing; `closed`
 * is final (P11: after it, "not solved" opens a new, linked ticket).
 */
export const TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  new: ['open', 'awaiting_customer', 'referred', 'feature_request', 'resolved', 'closed'],
  open: ['awaiting_customer', 'referred', 'feature_request', 'resolved', 'closed'],
  awaiting_customer: ['open', 'referred', 'feature_request', 'resolved', 'closed'],
  referred: ['open', 'awaiting_customer', 'feature_request', 'resolved', 'closed'],
  feature_request: ['open', 'resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: [],
};

/** P5/P10: whether moving from one status to another owes the requester a response (and runs a clock). */
const owesResponse = (from: TicketStatus, to: TicketStatus, before: boolean): boolean => {
  switch (to) {
    case 'awaiting_customer':
    case 'feature_request':
    case 'resolved':
    case 'closed':
      return false;
    case 'referred':
      return true; // P5: the development department owes a response within 7 days
    default:
      // P6: a feature request handed back to support is the requester's problem again, and they
      // are owed an answer on it (docs/adr/0029, addendum of 2026-12-04); sla-timer starts its clock.
      return from === 'feature_request' ? true : before;
  }
};

/** P5: emergency needs a confirmed critical error the partner is not at fault for; filing and PATCH check it alike. */
const emergencyUnconfirmed = (level: ServiceLevel, criticalErrorConfirmed: boolean | undefined): TicketRuleViolation | undefined =>
  level === 'emergency' && criticalErrorConfirmed !== true
    ? {
        kind: 'unprocessable',
        field: 'criticalErrorConfirmed',
        detail: 'Emergency needs a confirmed critical error the partner is not at fault for (P5): send criticalErrorConfirmed: true.',
      }
    : undefined;

/** Where a ticket at level development goes back to support from: the statuses support works in. */
const SUPPORT_WORKING: readonly TicketStatus[] = ['new', 'open'];

/** Who asks for a change: an agent's PATCH, or a referral escalation recorded and intake applies (`applyReferral`). */
type ChangeOrigin = 'agent' | 'referral';

/**
 * P5, rule 5.4: a request is at level development only because it was referred to the development
 * department; the level and the status `referred` are one fact (docs/adr/0029). Checked here, once,
 * on the outcome of every change:
 * - a referred ticket is at level development (reclassifying it is handing it back, below);
 * - only a referral enters development (level development, status `referred`): its route records the
 *   reason and calls the department in (P7), which a PATCH does not (docs/adr/0039, addendum of
 *   2026-12-05, fifth session). An agent's PATCH may only take a ticket development made wait on the
 *   requester back to `referred`: it is the department's already;
 * - support's working statuses (`new`, `open`) are never at development: a ticket coming back from
 *   the development department (from `referred`, or from a wait, a feature request or a resolution
 *   it reached there) names the level it returns to.
 * The changes nobody PATCHes keep it by construction: a requester's answer or reopening takes a
 * ticket at development back to `referred` (`backToWork`).
 */
const referralRuleBroken = (before: Ticket, after: Ticket, origin: ChangeOrigin, levelNamed: boolean): TicketRuleViolation | undefined => {
  if (after.status === 'referred' && after.level !== 'development') {
    return {
      kind: 'unprocessable',
      field: 'level',
      detail: 'A referred ticket is at level development (P5). To hand it back to support, send status open with the level it returns to.',
    };
  }
  const entersDevelopment = after.level === 'development' && before.level !== 'development';
  const developmentsOwnWaitEnds = before.status === 'awaiting_customer' && before.level === 'development';
  const entersReferred = after.status === 'referred' && before.status !== 'referred' && !developmentsOwnWaitEnds;
  if (origin === 'agent' && (entersDevelopment || entersReferred)) {
    return {
      kind: 'unprocessable',
      field: levelNamed ? 'level' : 'status',
      detail:
        `Only a referral gives a ticket to the development department (P5, rule 5.4): it records the reason and calls the department in (P7). ` +
        `Refer it with POST /v1/tickets/${before.id}/referrals {"target": "development", "reason": …}; a PATCH does not refer.`,
    };
  }
  if (entersDevelopment && after.status !== 'referred') {
    return {
      kind: 'unprocessable',
      field: 'level',
      detail: `Level development is given only by referral to the development department (P5, rule 5.4): refer the ticket with POST /v1/tickets/${before.id}/referrals.`,
    };
  }
  if (after.level === 'development' && SUPPORT_WORKING.includes(after.status)) {
    return {
      kind: 'unprocessable',
      field: 'level',
      detail: `A ticket coming back from the development department names the level it returns to (P5): send status ${after.status} with a level other than development.`,
    };
  }
  return undefined;
};

/** A ticket going back to work: at level development that is the development department (`referred`), else support (`open`). */
const backToWork = (ticket: Ticket): TicketStatus => (ticket.level === 'development' ? 'referred' : 'open');

/** The longest quote `ticket.team_leader_requested` carries (its contract's limit). */
export const QUOTE_MAX_LENGTH = 2_000;

/**
 * P7: what the team leader's notice quotes: the subject and the text that carried the phrase, cut
 * to `QUOTE_MAX_LENGTH` without splitting a surrogate pair (a lone half is text PostgreSQL refuses).
 */
export const quoteOf = (subject: string | undefined, body: string): string => {
  const whole = [subject?.trim(), body.trim()].filter((part): part is string => Boolean(part)).join('\n\n');
  return cutText(whole, QUOTE_MAX_LENGTH);
};

export const DEFAULT_REOPEN_WINDOW_MS = 14 * 24 * 3_600_000;

/** What a filer says about a new request's level (P5, P12). */
export interface FiledLevel {
  channel: Channel;
  level?: ServiceLevel;
  /** Staff only: the level is confirmed, not the filer's suggestion. */
  levelConfirmed: boolean;
  criticalErrorConfirmed?: boolean;
}

/**
 * P5/P12: the level a request is filed at, under the rules an agent's PATCH applies (docs/adr/0029,
 * addendum of 2026-12-04): development only by referral; a confirmed emergency needs a confirmed
 * critical error; a phone contact is at consulting unless an agent confirms another level.
 */
export const filedLevelViolation = (filed: FiledLevel): TicketRuleViolation | undefined => {
  if (filed.level === 'development') {
    return {
      kind: 'unprocessable',
      field: 'level',
      detail:
        'Level development is given only by referral to the development department (P5, rule 5.4): file at another level, and an agent refers the ticket (POST /v1/tickets/{id}/referrals).',
    };
  }
  if (filed.levelConfirmed) return emergencyUnconfirmed(suggestedLevel({ description: '', level: filed.level }, filed.channel), filed.criticalErrorConfirmed);
  if (filed.channel === 'phone' && filed.level !== undefined && filed.level !== 'consulting') {
    return {
      kind: 'unprocessable',
      field: 'levelConfirmed',
      detail:
        'A phone contact is registered at consulting unless an agent confirms its level (P12): send levelConfirmed: true with the level (emergency also with criticalErrorConfirmed: true), or leave level out.',
    };
  }
  return undefined;
};

/**
 * P2–P4: a new request becomes a `new` ticket in the order received. API requests are accepted
 * by the 201 answer that carries their reference (P3); other channels wait for the acknowledgment.
 */
export const openTicket = (
  input: { id: string; partnerId: string; reference: string; channel: Channel; language?: Language; request: TicketRequest; linkedTicketId?: string; openingMessageId?: string },
  receivedAt: Date,
): { ticket: Ticket; effects: TicketEffect[] } => {
  const acceptedNow = input.channel === 'api';
  const teamLeaderRequested = mentionsTeamLeader(input.request.subject, input.request.description);
  const ticket: Ticket = {
    id: input.id,
    partnerId: input.partnerId,
    reference: input.reference,
    channel: input.channel,
    language: input.language ?? 'en',
    status: 'new',
    level: suggestedLevel(input.request, input.channel),
    levelConfirmed: false,
    responseOwed: true,
    request: input.request,
    missingDetails: missingDetails(input.request),
    teamLeaderRequested,
    receivedAt,
    acceptedAt: acceptedNow ? receivedAt : undefined,
    linkedTicketId: input.linkedTicketId,
    sequence: 0,
  };
  const effects: TicketEffect[] = [
    {
      kind: 'created',
      ...(input.linkedTicketId ? { linkedTicketId: input.linkedTicketId } : {}),
      ...(input.openingMessageId ? { openingMessageId: input.openingMessageId } : {}),
    },
  ];
  if (acceptedNow) effects.push({ kind: 'accepted', via: 'api' });
  if (teamLeaderRequested) effects.push({ kind: 'team_leader_requested', quote: quoteOf(input.request.subject, input.request.description) });
  return { ticket, effects };
};

/** What an agent may change in one PATCH (issue #9 "Classification by agents"); P2: the request details too. */
export interface TicketPatch extends RequestDetails {
  level?: ServiceLevel;
  /** P5: emergency needs a confirmed critical error the partner is not at fault for. */
  criticalErrorConfirmed?: boolean;
  /** Confirms the current level without changing it. */
  levelConfirmed?: true;
  category?: SupportCategoryCode;
  /** Who works the ticket; `null` returns it to the unassigned queue. */
  assigneeId?: string | null;
  status?: TicketStatus;
  waitReason?: RequesterWaitReason;
  supportDelay?: SupportDelay;
  closure?: { reason: OutOfScopeReason; thirdParty: ThirdPartyKind; note?: string };
  /** Free text kept in the history and the status event. */
  note?: string;
}

const violation = (v: TicketRuleViolation): Change => ({ violation: v });

const moveTo = (ticket: Ticket, to: TicketStatus, reason: string | undefined, now: Date, reopenWindowMs: number): { ticket: Ticket; effects: TicketEffect[] } => {
  const from = ticket.status;
  const next: Ticket = { ...ticket, status: to, responseOwed: owesResponse(from, to, ticket.responseOwed) };
  if (to !== 'awaiting_customer') {
    next.waitReason = undefined;
    next.waitQuestion = undefined;
  }
  const effects: TicketEffect[] = [{ kind: 'status_changed', from, to, ...(reason ? { reason } : {}) }];
  if (to === 'resolved') {
    next.resolvedAt = now;
    next.reopenWindowEndsAt = new Date(now.getTime() + reopenWindowMs);
    effects.push({ kind: 'resolved', reopenWindowEndsAt: next.reopenWindowEndsAt });
  }
  if (to === 'closed') next.closedAt = now;
  if (from === 'resolved' && to !== 'closed') {
    next.resolvedAt = undefined;
    next.reopenWindowEndsAt = undefined;
  }
  return { ticket: next, effects };
};

/**
 * P6: an out-of-scope closure names a case of the catalogue and a third party the catalogue sends
 * that case to; on a categorised ticket, a case of its category (the catalogue ties each case to one).
 */
const closureMismatch = (closure: { reason: OutOfScopeReason; thirdParty: ThirdPartyKind }, category: SupportCategoryCode | undefined): TicketRuleViolation | undefined => {
  const found = outOfScopeCase(closure.reason);
  if (!found) return { kind: 'unprocessable', field: 'closure/reason', detail: `${closure.reason} is not an out-of-scope case of the catalogue (P6).` };
  if (category !== undefined && found.category.code !== category) {
    const own = outOfScopeReasonsOf(category);
    return {
      kind: 'unprocessable',
      field: 'closure/reason',
      detail:
        `${closure.reason} is out of scope for ${found.category.code}, and this ticket is ${category} (P6): ` +
        (own.length > 0 ? `close it with one of ${own.join(', ')}, or change its category.` : `that category has no out-of-scope cases; change its category first.`),
    };
  }
  if (!found.case.thirdParties.includes(closure.thirdParty)) {
    return {
      kind: 'unprocessable',
      field: 'closure/thirdParty',
      detail: `For ${closure.reason} the catalogue sends the requester to ${found.case.thirdParties.join(' or ')}, not ${closure.thirdParty} (P6).`,
    };
  }
  return undefined;
};

const outOfScopeReasonsOf = (category: SupportCategoryCode): string[] =>
  (SUPPORT_CATEGORIES as readonly SupportCategory[]).find((c) => c.code === category)?.outOfScope.map((o) => o.code) ?? [];

/**
 * P2: the request details a PATCH records (completing what filing lacked, or correcting it), and
 * the missing details recomputed as filing computes them. A value equal to the one held is no change.
 */
const changedDetails = (
  request: TicketRequest,
  patch: RequestDetails,
): { request: TicketRequest; missingDetails: RecommendedDetail[]; effect: TicketEffect } | undefined => {
  const fields = REQUEST_DETAILS.filter((field) => patch[field] !== undefined && patch[field] !== request[field]);
  if (fields.length === 0) return undefined;
  const from: RequestDetails = {};
  const to: RequestDetails = {};
  for (const field of fields) {
    if (request[field] !== undefined) Object.assign(from, { [field]: request[field] });
    Object.assign(to, { [field]: patch[field] });
  }
  const next: TicketRequest = { ...request, ...to };
  const missing = missingDetails(next);
  return { request: next, missingDetails: missing, effect: { kind: 'details_changed', fields, from, to, missingDetails: missing } };
};

/**
 * An agent's PATCH: request details, reclassification, category, assignee and status, in that order, as one
 * change. Every rule of P5, P6 and P10 that the patch could break is checked before anything
 * changes; the first broken one is the answer. Nothing is dropped in silence (docs/adr/0029,
 * addendum of 2026-12-04): asking for the status the ticket already has is a 409, and a note with
 * nothing to explain a 422.
 */
export const applyPatch = (ticket: Ticket, patch: TicketPatch, now: Date, reopenWindowMs = DEFAULT_REOPEN_WINDOW_MS): Change => patchTicket(ticket, patch, now, reopenWindowMs, 'agent');

/** A PATCH's rules for whoever asks; a referral (`applyReferral`) alone may enter development. */
const patchTicket = (ticket: Ticket, patch: TicketPatch, now: Date, reopenWindowMs: number, origin: ChangeOrigin): Change => {
  if (ticket.status === 'closed') {
    // invalid-transition is for status changes (docs/problems.md); anything else on a closed ticket is a plain conflict.
    if (patch.status !== undefined) return violation({ kind: 'invalid_transition', detail: 'The ticket is closed; reopening it files a new, linked ticket.', allowed: [] });
    return violation({
      kind: 'conflict',
      detail: 'The ticket is closed: its request stays as it was, and so do its level, category and assignee. Reopening it (POST …/reopen) files a new, linked ticket.',
    });
  }
  let next: Ticket = { ...ticket };
  const effects: TicketEffect[] = [];

  let targetStatus = patch.status;
  const targetLevel = patch.level;
  const newWaitReason = patch.waitReason !== undefined && patch.waitReason !== ticket.waitReason;
  if (targetStatus === ticket.status && !(targetStatus === 'awaiting_customer' && newWaitReason)) {
    return violation({ kind: 'invalid_transition', detail: `The ticket is already ${ticket.status}.`, allowed: [...TRANSITIONS[ticket.status]] });
  }
  // P5: referral to development is a reclassification to `development` with status `referred` (an
  // agent's PATCH asking for either is refused below, naming the referral route).
  if (targetLevel === 'development' && targetStatus === undefined && ticket.status !== 'referred') targetStatus = 'referred';

  const levelTo = targetLevel ?? (targetStatus === 'referred' ? 'development' : patch.levelConfirmed ? ticket.level : undefined);
  if (levelTo !== undefined) {
    if (targetLevel !== undefined || patch.levelConfirmed) {
      const unconfirmed = emergencyUnconfirmed(levelTo, patch.criticalErrorConfirmed);
      if (unconfirmed) return violation(unconfirmed);
    }
    if (levelTo !== ticket.level || !ticket.levelConfirmed) {
      // P5: a resolved ticket keeps the level it was resolved at (its clocks and reports are settled); reopening it may reclassify it.
      const staysResolved = ticket.status === 'resolved' && (targetStatus === undefined || targetStatus === 'closed');
      if (staysResolved) {
        return violation({ kind: 'invalid_transition', detail: 'A resolved ticket keeps its level; reopen it (status open) to reclassify it.', allowed: [...TRANSITIONS.resolved] });
      }
      effects.push({ kind: 'level_changed', from: ticket.level, to: levelTo, confirmed: true });
      next = { ...next, level: levelTo, levelConfirmed: true };
    }
  }

  const details = changedDetails(ticket.request, patch);
  if (details) {
    next = { ...next, request: details.request, missingDetails: details.missingDetails };
    effects.push(details.effect);
  }

  if (patch.category !== undefined && patch.category !== ticket.category) {
    effects.push({ kind: 'category_changed', ...(ticket.category ? { from: ticket.category } : {}), to: patch.category });
    next.category = patch.category;
  }

  if (patch.supportDelay !== undefined && patch.supportDelay !== ticket.supportDelay) {
    // P10: recorded on the ticket and announced, and the status (and any clock) stays as it is.
    next.supportDelay = patch.supportDelay;
    effects.push({ kind: 'status_changed', from: ticket.status, to: ticket.status, reason: `support_delay:${patch.supportDelay}` });
  }

  const waits = targetStatus === 'awaiting_customer' || (targetStatus === undefined && ticket.status === 'awaiting_customer');
  if (patch.waitReason !== undefined && !waits) {
    return violation({ kind: 'unprocessable', field: 'waitReason', detail: 'A wait reason goes with status awaiting_customer (P10).' });
  }
  if (patch.closure !== undefined && targetStatus !== 'closed') {
    return violation({ kind: 'unprocessable', field: 'closure', detail: 'A closure goes with status closed (P6).' });
  }

  if (targetStatus !== undefined && targetStatus !== ticket.status) {
    const allowed = TRANSITIONS[ticket.status];
    if (!allowed.includes(targetStatus)) {
      return violation({ kind: 'invalid_transition', detail: `A ${ticket.status} ticket cannot become ${targetStatus}.`, allowed: [...allowed] });
    }
    let reason = patch.note;
    if (targetStatus === 'awaiting_customer') {
      // P10: only a reason on the requester's side stops the clock.
      if (!patch.waitReason) {
        return violation({
          kind: 'unprocessable',
          field: 'waitReason',
          detail: "Waiting on the requester needs a reason on the requester's side (P10); support-side delays go in supportDelay and keep the ticket open.",
        });
      }
      next.waitReason = patch.waitReason;
      // The question is this wait's: a wait begun without a note asks nothing beyond its reason.
      next.waitQuestion = patch.note;
      reason = patch.waitReason;
    }
    if (targetStatus === 'closed' && ticket.status !== 'resolved') {
      // P6: closing unresolved work means it is out of scope, with the third party to turn to.
      if (!patch.closure) {
        return violation({
          kind: 'unprocessable',
          field: 'closure',
          detail: 'Closing an unresolved ticket needs an out-of-scope reason from the catalogue and the third party to turn to (P6).',
        });
      }
      const mismatch = closureMismatch(patch.closure, next.category);
      if (mismatch) return violation(mismatch);
      next.closure = { ...patch.closure };
      reason = patch.closure.reason;
    } else if (targetStatus === 'closed') {
      if (patch.closure) {
        return violation({
          kind: 'unprocessable',
          field: 'closure',
          detail: 'A resolved ticket was solved: it closes as closed_by_support, and an out-of-scope closure (P6) is for unresolved work. Leave closure out.',
        });
      }
      next.closure = { reason: 'closed_by_support', ...(patch.note ? { note: patch.note } : {}) };
      reason = 'closed_by_support';
    }
    if (targetStatus === 'open' && ticket.status === 'resolved') {
      effects.push({ kind: 'reopened', ...(patch.note ? { reason: patch.note } : {}) });
    }
    const moved = moveTo(next, targetStatus, reason, now, reopenWindowMs);
    next = moved.ticket;
    // P11: a reopened ticket owes a response again.
    if (targetStatus === 'open' && ticket.status === 'resolved') next.responseOwed = true;
    // P10: the note of a wait on the requester is what they are asked: their mail carries it.
    effects.push(...moved.effects.map((e) => (e.kind === 'status_changed' && targetStatus === 'awaiting_customer' && patch.note ? { ...e, question: patch.note } : e)));
    if (targetStatus === 'closed') effects.push({ kind: 'closed', reason: reason ?? 'closed', ...(next.closure?.thirdParty ? { thirdParty: next.closure.thirdParty } : {}) });
  } else if (waits && patch.waitReason && newWaitReason) {
    next.waitReason = patch.waitReason;
    // A new reason is a new ask: its note replaces the earlier question, and no note leaves none.
    next.waitQuestion = patch.note;
    effects.push({ kind: 'status_changed', from: ticket.status, to: ticket.status, reason: patch.waitReason, ...(patch.note ? { question: patch.note } : {}) });
  }

  if (patch.assigneeId === null) {
    if (next.assigneeId !== undefined) {
      effects.push({ kind: 'unassigned', previousAssigneeId: next.assigneeId });
      next = { ...next, assigneeId: undefined };
    }
  } else if (patch.assigneeId !== undefined && patch.assigneeId !== ticket.assigneeId) {
    const assigned = assign(next, patch.assigneeId);
    next = assigned.ticket;
    effects.push(...assigned.effects);
  }

  const broken = referralRuleBroken(ticket, next, origin, targetLevel === 'development');
  if (broken) return violation(broken);
  if (effects.length === 0 && patch.note !== undefined) {
    return violation({
      kind: 'unprocessable',
      field: 'note',
      detail: 'A note is kept with the change it explains, and this PATCH changes nothing: post an internal note (POST /v1/tickets/{id}/messages, visibility internal) instead.',
    });
  }
  return { ticket: next, effects };
};

/** An agent takes the ticket; a `new` ticket becomes `open` (someone works on it). */
export const assign = (ticket: Ticket, assigneeId: string): { ticket: Ticket; effects: TicketEffect[] } => {
  const effects: TicketEffect[] = [{ kind: 'assigned', assigneeId }];
  let next: Ticket = { ...ticket, assigneeId };
  if (ticket.status === 'new') {
    effects.push({ kind: 'status_changed', from: 'new', to: 'open', reason: 'assigned' });
    next = { ...next, status: 'open' };
  }
  return { ticket: next, effects };
};

/** P11: the reason recorded when a requester's e-mail reply reopens a resolved ticket. */
export const MAIL_REPLY_REOPEN_REASON = "Reopened by the requester's e-mail reply inside the reopen window.";
/** The reason of a reopening by the requester's reply on the support site (docs/adr/0029, addendum of 2026-12-04, third session). */
export const SITE_REPLY_REOPEN_REASON = "Reopened by the requester's reply on the support site inside the reopen window.";

/** P11: the channels on which the requester's reply reopens a resolved ticket, and the reason each gives. */
const REPLY_REOPEN_REASONS: Partial<Record<Channel, string>> = { email: MAIL_REPLY_REOPEN_REASON, site: SITE_REPLY_REOPEN_REASON };

/** P11: a resolved ticket whose reopen window is still running at `now`. */
const reopenableAt = (ticket: Ticket, now: Date): boolean =>
  ticket.status === 'resolved' && (!ticket.reopenWindowEndsAt || now.getTime() < ticket.reopenWindowEndsAt.getTime());

/**
 * P11: a resolved ticket inside its window is back at work and owes a response: `open`, or
 * `referred` when the development department resolved it (P5: nobody here names another level).
 */
const reopenInsideWindow = (ticket: Ticket, now: Date, reason?: string): { ticket: Ticket; effects: TicketEffect[] } => {
  const moved = moveTo(ticket, backToWork(ticket), reason ?? 'reopened', now, 0);
  return { ticket: { ...moved.ticket, responseOwed: true }, effects: [{ kind: 'reopened', ...(reason ? { reason } : {}) }, ...moved.effects] };
};

/**
 * P8/P11: whether a requester's e-mail reply files a new ticket linked to this one instead of
 * threading: once the ticket is closed, or its reopen window has ended (as `reopen` answers then).
 */
export const mailReplyFollowsUp = (ticket: Ticket, now: Date): boolean =>
  ticket.status === 'closed' || (ticket.status === 'resolved' && !reopenableAt(ticket, now));

/**
 * P8/P5: the requester added to the thread. A ticket waiting on them is back at work (`open`, or
 * `referred` at level development) and owes a response ("every response owed after the requester
 * furnishes more information"); P7: the team-leader phrase flags the ticket, once per message.
 * P11: an e-mail reply to a resolved ticket inside its reopen window reopens it, as the resolved
 * mail promises.
 */
export const receiveRequesterMessage = (
  ticket: Ticket,
  message: {
    id: string;
    channel: Channel;
    attachmentIds: string[];
    subject?: string;
    body: string;
    fromRequester?: boolean;
    /** The reason a reopen request carries: posted first as a comment, the request then reopens with it. */
    reasonOfReopen?: boolean;
    /** `false`: a mail whose body is only a quote header, quoted lines or a signature (notification says so); absent: its body is its sender's words. */
    ownText?: boolean;
    /** The sender's words in `body` when it holds a line of ours too (a "not solved" rating's): only they describe. Absent: the body is theirs. */
    words?: string;
  },
  now: Date,
): Change => {
  if (ticket.status === 'closed') return violation({ kind: 'invalid_transition', detail: 'The ticket is closed; reopening it files a new, linked ticket.', allowed: [] });
  // P2: a request mailed with no text has no description, and its acknowledgment asked for one: the
  // requester's next words are it. Only theirs: the description is what the requester wrote, which
  // nobody else records (docs/adr/0035, addendum of 2026-12-05, fifth session). A reply with no words
  // of its own (a quote header, a signature) is threaded, but is no description: the next words are.
  // Nor is a line of ours in it: only the sender's words describe (docs/adr/0029, sixth session).
  const words = message.words ?? message.body;
  const describes = message.fromRequester !== false && message.ownText !== false && !ticket.request.description.trim() && words.trim() !== '';
  const effects: TicketEffect[] = [
    { kind: 'message_received', messageId: message.id, channel: message.channel, attachmentIds: message.attachmentIds, ...(describes ? { describes: true as const } : {}) },
  ];
  let next: Ticket = { ...ticket };
  if (describes) {
    const request = { ...ticket.request, description: words };
    next = { ...next, request, missingDetails: missingDetails(request) };
  }
  if (ticket.status === 'awaiting_customer') {
    // Back to whoever waited: support, or the development department that asked (P5).
    const to = backToWork(ticket);
    effects.push({ kind: 'status_changed', from: 'awaiting_customer', to, reason: 'requester_replied' });
    next = { ...next, status: to, waitReason: undefined, waitQuestion: undefined };
  }
  const replyReopenReason = REPLY_REOPEN_REASONS[message.channel];
  if (replyReopenReason && message.fromRequester !== false && !message.reasonOfReopen && reopenableAt(ticket, now)) {
    // P11: the resolved mail tells the requester that replying reopens the request, by mail or on
    // the support site its links open; a partner platform's API message on a resolved ticket stays
    // a comment (it has the reopen request; docs/adr/0029 and its addenda).
    // Mail from another address (docs/adr/0035) is threaded, but reopens nothing: only the requester may.
    const reopened = reopenInsideWindow(next, now, replyReopenReason);
    next = reopened.ticket;
    effects.push(...reopened.effects);
  } else if (next.status !== 'resolved' && next.status !== 'feature_request') next.responseOwed = true;
  if (mentionsTeamLeader(message.subject, message.body)) {
    effects.push({ kind: 'team_leader_requested', messageId: message.id, quote: quoteOf(message.subject, message.body) });
    next.teamLeaderRequested = true;
  }
  return { ticket: next, effects };
};

/**
 * An agent's message. A public one is announced, every one (P8: the requester reads each answer by
 * mail, partners' webhooks learn of it), and the one that finds a response owed also gives it (P5);
 * an internal note changes nothing and is announced to nobody.
 */
export const receiveAgentMessage = (ticket: Ticket, message: { id: string; authorId: string; visibility: 'public' | 'internal'; body?: string }): Change => {
  if (message.visibility === 'internal') return { ticket, effects: [] };
  if (ticket.status === 'closed') return violation({ kind: 'invalid_transition', detail: 'The ticket is closed; reopening it files a new, linked ticket.', allowed: [] });
  const reply = { messageId: message.id, authorId: message.authorId, ...(message.body !== undefined ? { body: message.body } : {}) };
  // The message first, then what it means: as a requester's message precedes the status it changes.
  const effects: TicketEffect[] = [{ kind: 'agent_replied', ...reply }];
  let next: Ticket = { ...ticket };
  if (ticket.responseOwed) {
    effects.push({ kind: 'responded', ...reply });
    next.responseOwed = false;
  }
  if (ticket.status === 'new') {
    effects.push({ kind: 'status_changed', from: 'new', to: 'open', reason: 'agent_replied' });
    next = { ...next, status: 'open' };
  }
  return { ticket: next, effects };
};

/**
 * P11: reopening. Inside the reopen window a resolved ticket is `open` again and owes a response;
 * after it, or once closed, the answer is a new ticket linked to this one (`followUp`).
 */
export const reopen = (ticket: Ticket, now: Date, reason?: string): Change | { followUp: true } => {
  if (ticket.status === 'closed') return { followUp: true };
  if (ticket.status !== 'resolved') {
    return violation({ kind: 'invalid_transition', detail: `Only a resolved ticket can be reopened; this one is ${ticket.status}.`, allowed: [...TRANSITIONS[ticket.status]] });
  }
  if (!reopenableAt(ticket, now)) return { followUp: true };
  return reopenInsideWindow(ticket, now, reason);
};

/** P11: the reopen window ended; a resolved ticket closes by itself. Anything else stays as it is. */
export const closeAfterReopenWindow = (ticket: Ticket, now: Date): Change | undefined => {
  if (ticket.status !== 'resolved' || !ticket.reopenWindowEndsAt || now.getTime() < ticket.reopenWindowEndsAt.getTime()) return undefined;
  const moved = moveTo({ ...ticket, closure: { reason: 'reopen_window_ended' } }, 'closed', 'reopen_window_ended', now, 0);
  return { ticket: moved.ticket, effects: [...moved.effects, { kind: 'closed', reason: 'reopen_window_ended' }] };
};

/** A referral escalation asked for (P5, P6, P7): where to, and why. */
export interface ReferralRequest {
  referralId: string;
  target: ReferralTarget;
  reason: string;
}

/**
 * P5/P6/P7: a referral asked by escalation. `development` is a reclassification to `development`
 * with status `referred` (P5); `design` makes the ticket a feature request, out of the SLA (P6);
 * `quality` involves the quality department and changes neither level nor status (P7), on any
 * ticket: quality reviews resolved and closed tickets (after a complaint), which reopens nothing
 * and owes no response (docs/adr/0039, addendum of 2026-12-04, fifth session). Each ends with
 * `referral_applied`; what the ticket's state refuses is a violation, answered as a rejection.
 */
export const applyReferral = (ticket: Ticket, referral: ReferralRequest, now: Date, reopenWindowMs = DEFAULT_REOPEN_WINDOW_MS): Change => {
  // The reason is for the department (docs/adr/0039, seventh session): kept on `referral_applied`,
  // which staff alone read, not on the level and status changes the partner sees (nor in their events).
  const applied: TicketEffect = { kind: 'referral_applied', referralId: referral.referralId, target: referral.target, note: referral.reason };
  if (referral.target === 'quality') return { ticket, effects: [applied] };
  if (ticket.status === 'closed') return violation({ kind: 'invalid_transition', detail: 'The ticket is closed.', allowed: [] });
  switch (referral.target) {
    case 'development': {
      if (ticket.status === 'referred') return violation({ kind: 'invalid_transition', detail: 'The ticket is already referred to development.', allowed: [...TRANSITIONS.referred] });
      const change = patchTicket(ticket, { status: 'referred', level: 'development' }, now, reopenWindowMs, 'referral');
      return 'violation' in change ? change : { ticket: change.ticket, effects: [...change.effects, applied] };
    }
    case 'design': {
      if (ticket.status === 'feature_request') return violation({ kind: 'invalid_transition', detail: 'The ticket is already a feature request.', allowed: [...TRANSITIONS.feature_request] });
      const change = patchTicket(ticket, { status: 'feature_request' }, now, reopenWindowMs, 'referral');
      return 'violation' in change ? change : { ticket: change.ticket, effects: [...change.effects, applied] };
    }
  }
};
