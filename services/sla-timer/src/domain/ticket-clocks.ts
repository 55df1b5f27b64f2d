import type { ServiceLevel, TicketStatus } from '@tss/contracts';
import { cancel, clockTimeOf, endBreached, hasBreachedBy, isOpen, recordBreach, respond, retargetScheduled, startScheduledClock, type ClockStart, type ResponseClock, type ScheduledClock, type StopEffect } from './response-clock';
import type { PolicyVersion } from './sla-policy';

/** sla-timer's projection of a ticket (from `ticket.*`): what decides whether a response is owed. */
export interface TicketSla {
  ticketId: string;
  partnerId: string;
  requesterId: string | null;
  product: string | null;
  level: ServiceLevel;
  status: TicketStatus;
  receivedAt: Date;
  /** Latest resolution; cleared by a reopening. Resolution time is measured, never breached (P5). */
  resolvedAt: Date | null;
  /** The ticket's last applied event; null for tickets known before sequences were kept. */
  lastSequence: number | null;
}

/** A ticket event as the clocks see it. */
export type TicketFact =
  | { kind: 'message_received'; at: Date }
  | { kind: 'responded'; at: Date }
  | { kind: 'status_changed'; to: TicketStatus; reason?: string; at: Date }
  | { kind: 'level_changed'; to: ServiceLevel; at: Date }
  | { kind: 'resolved'; at: Date }
  | { kind: 'reopened'; at: Date }
  | { kind: 'closed'; reason: string; at: Date }
  /** An event that changes no clock (accepted, assigned, …): only its sequence is applied. */
  | { kind: 'other' };

/** `calendarFallback`: the policy's calendar could not count the schedule; it runs 24/7 (docs/adr/0031, addendum). */
export type ClockEffect =
  | { kind: 'started'; clock: ResponseClock; calendarFallback?: true }
  | { kind: 'retargeted'; clock: ResponseClock; previousLevel: ServiceLevel; calendarFallback?: true }
  /** A breach that happened before the event and is published before what the event changes (`sla.breached`). */
  | { kind: 'breached'; clock: ResponseClock }
  | { kind: 'stopped'; clock: ResponseClock; effects: StopEffect[] };

/** P5, P10, P11: statuses in which no response is owed; entering one cancels the open clock. */
export const NO_RESPONSE_OWED: readonly TicketStatus[] = ['awaiting_customer', 'resolved', 'closed', 'feature_request'];

/** How a development clock started at the referral ends when support takes the ticket back, and how support's starts. */
const RETURNED_TO_SUPPORT = 'returned_to_support';

/** Statuses in which a requester's message or a referral owes nothing (intake's rule too). */
const ENDED: readonly TicketStatus[] = ['resolved', 'closed', 'feature_request'];

export interface ClockEnvironment {
  /** The open clock's own policy version (a clock keeps the version it started under). */
  openClockPolicy?: PolicyVersion;
  /**
   * The policy a clock this event starts runs under: the terms in force (the partner's agreement,
   * else the default) at the instant the clock starts, `clockStartOf` (docs/adr/0031, addendum of
   * 2026-12-04, fifth session), however late the event is applied.
   */
  newClockPolicy: PolicyVersion;
  newClockId: () => string;
  /** When the event is applied (a breach published on the way is stamped with it). */
  now: Date;
}

/** An effect's clock, flagged only when its calendar was set aside. */
const scheduled = ({ clock, calendarFallback }: ScheduledClock): { clock: ResponseClock; calendarFallback?: true } =>
  calendarFallback ? { clock, calendarFallback: true } : { clock };

/**
 * When a clock a ticket event starts starts, and so whose terms it takes: the ticket's receipt for
 * `ticket.created` (`openTicket`), the fact's own time for every later start (`applyTicketFact`:
 * the message, the status change or referral, the reopening). A re-target starts nothing: the
 * clock keeps its own version.
 */
export const clockStartOf = (fact: Exclude<TicketFact, { kind: 'other' }>): Date => fact.at;

export type SequenceCheck = 'apply' | 'duplicate' | 'not_yet';

/** DESIGN "Order": event n applies after n-1 only; an earlier one was applied already. */
export const checkSequence = (ticket: TicketSla | undefined, sequence: number): SequenceCheck => {
  if (!ticket) return 'not_yet';
  if (ticket.lastSequence === null) return 'apply';
  if (sequence <= ticket.lastSequence) return 'duplicate';
  return sequence === ticket.lastSequence + 1 ? 'apply' : 'not_yet';
};

/** Sequence numbers `first` to `last` of a ticket, none of them applied here. */
export interface SequenceGap {
  first: number;
  last: number;
}

/**
 * What event `sequence` waits for that an operator may let it pass over (`dead-letters replay <id>
 * --pass-over`, docs/adr/0072, addendum of 2026-12-05, seventh session): the numbers between the
 * last applied and it, taken as events that move no clock (`other`: only the sequence moves).
 * Nothing when it applies as it is, or the ticket keeps no sequence: there is nothing to pass over.
 */
export const sequenceGap = (ticket: TicketSla, sequence: number): SequenceGap | undefined =>
  ticket.lastSequence !== null && sequence > ticket.lastSequence + 1 ? { first: ticket.lastSequence + 1, last: sequence - 1 } : undefined;

/** `ticket.created`: the ticket is known, and its first response is owed from when it was received (P5). */
export const openTicket = (
  ticket: Omit<TicketSla, 'status' | 'resolvedAt' | 'lastSequence'> & { sequence: number },
  env: ClockEnvironment,
): { ticket: TicketSla; effects: ClockEffect[] } => {
  const { sequence, ...rest } = ticket;
  const started = startScheduledClock({ id: env.newClockId(), level: ticket.level, startedAt: ticket.receivedAt, startedBy: 'created', policy: env.newClockPolicy });
  return { ticket: { ...rest, status: 'new', resolvedAt: null, lastSequence: sequence }, effects: [{ kind: 'started', ...scheduled(started) }] };
};

/**
 * One ticket event applied to the ticket and its open clock (at most one is open, P5): which clock
 * starts, re-targets or stops. Pure: the caller supplies policies, ids and the time.
 */
export const applyTicketFact = (
  ticket: TicketSla,
  open: ResponseClock | undefined,
  fact: TicketFact,
  env: ClockEnvironment,
): { ticket: TicketSla; effects: ClockEffect[] } => {
  const openClock = open && isOpen(open) ? open : undefined;
  const start = (startedAt: Date, startedBy: ClockStart, level: ServiceLevel = ticket.level): ClockEffect => ({
    kind: 'started',
    ...scheduled(startScheduledClock({ id: env.newClockId(), level, startedAt, startedBy, policy: env.newClockPolicy })),
  });
  const owesNothing = (status: TicketStatus) => NO_RESPONSE_OWED.includes(status);

  switch (fact.kind) {
    case 'message_received':
      // P5: "every response owed after the requester furnishes more information"; a message on a
      // resolved ticket or a feature request is a comment (intake owes nothing for it).
      if (openClock || ENDED.includes(ticket.status)) return { ticket, effects: [] };
      return { ticket, effects: [start(fact.at, 'requester_message')] };
    case 'responded':
      if (!openClock) return { ticket, effects: [] };
      return { ticket, effects: [stopped(respond(openClock, fact.at, env.now, clockTimeOf(openClock, env.openClockPolicy?.policy)))] };
    case 'status_changed': {
      const next = { ...ticket, status: fact.to };
      if (openClock) return { ticket: next, effects: owesNothing(fact.to) ? [stopped(cancel(openClock, fact.at, fact.to, env.now))] : [] };
      // Back to work with nothing owed, as intake counts it (docs/adr/0029, addendum of 2026-12-04):
      // the development department owes a response on a referred ticket (P5: a wait it asked for
      // ended), and support one on a feature request design handed back (P6).
      if (fact.to === 'referred') return { ticket: next, effects: [start(fact.at, 'referral', 'development')] };
      if (ticket.status === 'feature_request' && fact.to === 'open') return { ticket: next, effects: [start(fact.at, 'returned_to_support')] };
      return { ticket: next, effects: [] };
    }
    case 'level_changed': {
      const next = { ...ticket, level: fact.to };
      if (openClock) {
        if (openClock.level === fact.to) return { ticket: next, effects: [] };
        // Handed back from development (docs/adr/0029, 0030, addenda of 2026-12-05): a clock that
        // started at the referral, nothing owed then, measured development's time alone. It ends at
        // the hand-back, a breach only if development's own due time had passed (development's,
        // under development), and support owes a response at the named level from then, as for a
        // feature request handed back. A clock support owed before the referral re-targets below.
        if (openClock.startedBy === 'referral' && openClock.owedBy === 'development') {
          return { ticket: next, effects: [stopped(cancel(openClock, fact.at, RETURNED_TO_SUPPORT, env.now)), start(fact.at, RETURNED_TO_SUPPORT, fact.to)] };
        }
        // A breach stays with the level and the department that missed it (docs/adr/0030, addendum
        // of 2026-12-04, fifth session). Referred after its breach, support's clock ends breached as
        // it is, and development's response is owed on a clock of its own from the referral, judged
        // against development's target (P5: as when no response is owed). Reclassified, the clock
        // re-targets below and keeps its breach, with the level that missed it (`breachedLevel`); a
        // breach its timer has not published yet is recorded and published first.
        if (fact.to === 'development' && hasBreachedBy(openClock, fact.at)) {
          return { ticket: next, effects: [stopped(endBreached(openClock, fact.at, 'referred', env.now)), start(fact.at, 'referral', 'development')] };
        }
        const policy = env.openClockPolicy;
        if (!policy) throw new Error(`clock ${openClock.id}: policy ${openClock.policy.scope}@${openClock.policy.version} is not stored`);
        const breach: ClockEffect[] = openClock.breachPublishedAt === undefined && hasBreachedBy(openClock, fact.at) ? [{ kind: 'breached', clock: recordBreach(openClock, env.now) }] : [];
        const current = breach[0]?.clock ?? openClock;
        return { ticket: next, effects: [...breach, { kind: 'retargeted', ...scheduled(retargetScheduled(current, fact.to, policy)), previousLevel: openClock.level }] };
      }
      // P5: a referral with no response owed starts a 7-day clock owed by development.
      if (fact.to === 'development' && !ENDED.includes(ticket.status)) {
        return { ticket: next, effects: [start(fact.at, 'referral', 'development')] };
      }
      return { ticket: next, effects: [] };
    }
    case 'resolved':
      return { ticket: { ...ticket, status: 'resolved', resolvedAt: fact.at }, effects: openClock ? [stopped(cancel(openClock, fact.at, 'resolved', env.now))] : [] };
    case 'reopened': {
      // P11: a reopened ticket owes a response again.
      const next: TicketSla = { ...ticket, status: 'open', resolvedAt: null };
      return { ticket: next, effects: openClock ? [] : [start(fact.at, 'reopened')] };
    }
    case 'closed':
      return { ticket: { ...ticket, status: 'closed' }, effects: openClock ? [stopped(cancel(openClock, fact.at, 'closed', env.now))] : [] };
    case 'other':
      return { ticket, effects: [] };
  }
};

const stopped = (result: { clock: ResponseClock; effects: StopEffect[] }): ClockEffect => ({ kind: 'stopped', clock: result.clock, effects: result.effects });

/** P5: resolution time is measured (received to resolved) and reported, never breached. */
export const resolutionMs = (ticket: TicketSla): number | undefined =>
  ticket.resolvedAt ? ticket.resolvedAt.getTime() - ticket.receivedAt.getTime() : undefined;
