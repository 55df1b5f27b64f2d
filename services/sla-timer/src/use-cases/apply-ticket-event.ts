import type { Logger } from 'pino';
import { uuidv7 } from 'uuidv7';
import type { EntityManager } from 'typeorm';
import type { ServiceLevel } from '@tss/contracts';
import { NotYet, type BatchWrites, type OutboxWriter, type PassOver } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import { allTimerIds, nextTimerFor } from '../domain/clock-timers';
import type { ResponseClock } from '../domain/response-clock';
import type { PolicyVersion } from '../domain/sla-policy';
import { applyTicketFact, checkSequence, clockStartOf, openTicket, sequenceGap, type ClockEffect, type ClockEnvironment, type SequenceGap, type TicketFact, type TicketSla } from '../domain/ticket-clocks';
import { publishBreached, publishRetargeted, publishStarted, publishStopped, syncClockTimers } from '../events/sla-events.producer';
import { responseClockStore, type StoredClock } from '../store/response-clock.store';
import { slaTicketStore } from '../store/sla-ticket.store';
import { insertOpenedTicket, OPENED_CLOCK, OPENING_TIMERS_FIRST_PARAM } from '../store/ticket-opening.store';
import { policiesIn } from './policies-in-transaction';
import { sequenceSteps } from './sequence-steps';

export interface ClockDeps {
  /** A consumer's: `batchOutbox`, so a batch's events go in one statement at its end. */
  outbox: OutboxWriter;
  timers: TimerStore;
  /** A consumer batch's deferred writes: a step of the sequence its own events set goes there (`sequenceSteps`). */
  batch?: BatchWrites;
}

export type ApplyOutcome = 'applied' | 'duplicate';

/**
 * `startsAt`: the instant a clock this event starts would start (the ticket's receipt for
 * `ticket.created`, the fact's own time otherwise): its terms are those in force then, not when the
 * event is handled here, which a broker or consumer backlog delays (docs/adr/0031, addendum of
 * 2026-12-04, fifth session).
 */
const environment = async (
  tx: EntityManager,
  partnerId: string,
  openPolicy: { scope: string; version: number } | undefined,
  startsAt: Date,
  now: Date,
): Promise<ClockEnvironment> => ({
  newClockPolicy: await policiesIn(tx).inForceAt(partnerId, startsAt),
  openClockPolicy: openPolicy ? await policiesIn(tx).version(openPolicy.scope, openPolicy.version) : undefined,
  // Time-ordered (RFC 9562 version 7): clocks started together, which come due together, sit
  // together in every index keyed by the clock id (docs/adr/0060).
  newClockId: uuidv7,
  now,
});

/** P12: phone support at the clock's level, by the agreement version the clock started under. */
const phoneSupportOf = async (tx: EntityManager, env: ClockEnvironment, clock: ResponseClock): Promise<boolean> => {
  const same = (p: PolicyVersion | undefined): p is PolicyVersion => p !== undefined && p.scope === clock.policy.scope && p.version === clock.policy.version;
  // The policies read for the event already (a new clock's, or the re-targeted clock's own) cost no statement.
  const known = [env.newClockPolicy, env.openClockPolicy].find(same);
  const policy = known ?? (await policiesIn(tx).version(clock.policy.scope, clock.policy.version));
  return policy?.policy.levels[clock.level]?.phoneSupport ?? false;
};

/**
 * A clock whose policy's calendar cannot count its schedule runs 24/7 instead (docs/adr/0031,
 * addendum): the ticket keeps its clock, and an operator learns that the stored policy needs a new version.
 */
const warnOfCalendarFallbacks = (logger: Pick<Logger, 'warn'> | undefined, ticket: { ticketId: string; partnerId: string }, effects: readonly ClockEffect[]): void => {
  for (const effect of effects) {
    if (effect.kind === 'stopped' || effect.kind === 'breached' || !effect.calendarFallback) continue;
    const { id, level, policy } = effect.clock;
    // `serviceLevel`: pino's own `level` is the log line's.
    logger?.warn(
      { ticketId: ticket.ticketId, partnerId: ticket.partnerId, clockId: id, serviceLevel: level, policyScope: policy.scope, policyVersion: policy.version },
      'SLA policy calendar cannot count this level within the calculator horizon; clock scheduled in calendar time (24/7); store a new policy version',
    );
  }
};

/**
 * Writes and publishes what the ticket event did to its clocks, timers included, in the event's
 * transaction. `sequence`: the event's, which a clock it starts or re-targets keeps and what that
 * causes follows; `open`: the clock open before it, whose breach follows the clock's own start
 * (docs/adr/0066, addendum of 2026-12-05).
 */
const commit = async (
  tx: EntityManager,
  deps: ClockDeps,
  ticket: TicketSla,
  effects: readonly ClockEffect[],
  env: ClockEnvironment,
  { sequence, open }: { sequence: number; open: StoredClock | undefined },
): Promise<void> => {
  const { now } = env;
  const caused = { ticketId: ticket.ticketId, partnerId: ticket.partnerId, ticketSequence: sequence };
  const ofOpenClock = { ...caused, ticketSequence: open?.ticketSequence ?? null };
  for (const effect of effects) {
    if (effect.kind === 'started') {
      await responseClockStore.insert(tx, ticket, effect.clock, now, sequence);
      await publishStarted(tx, deps.outbox, caused, effect.clock, { phoneSupport: await phoneSupportOf(tx, env, effect.clock) });
      await syncClockTimers(tx, deps.timers, effect.clock, now, { started: true });
    } else if (effect.kind === 'breached') {
      // Its timers follow the change that comes next (a re-target), in this transaction.
      await responseClockStore.update(tx, effect.clock);
      await publishBreached(tx, deps.outbox, ofOpenClock, effect.clock);
    } else if (effect.kind === 'retargeted') {
      await responseClockStore.update(tx, effect.clock, sequence);
      await publishRetargeted(tx, deps.outbox, caused, effect.clock, effect.previousLevel, { phoneSupport: await phoneSupportOf(tx, env, effect.clock) });
      await syncClockTimers(tx, deps.timers, effect.clock, now);
    } else {
      await responseClockStore.update(tx, effect.clock);
      await publishStopped(tx, deps.outbox, ofOpenClock, effect.clock, effect.effects, sequence);
      await syncClockTimers(tx, deps.timers, effect.clock, now);
    }
  }
};

/** `ticket.created`: the ticket becomes known here and its first response is owed (P5). */
export const applyTicketCreated = async (
  tx: EntityManager,
  deps: ClockDeps,
  input: { ticketId: string; partnerId: string; reference: string; requesterId: string | null; product: string | null; level: ServiceLevel; receivedAt: Date; sequence: number },
  now: Date,
  logger?: Pick<Logger, 'warn'>,
): Promise<ApplyOutcome> => {
  const env = await environment(tx, input.partnerId, undefined, input.receivedAt, now);
  const { reference, ...opening } = input;
  const { ticket, effects } = openTicket(opening, env);
  const [opened] = effects;
  if (effects.length !== 1 || opened.kind !== 'started') throw new Error(`ticket ${input.ticketId}: ticket.created must start exactly one clock`);
  // The ticket, its clock and the clock's first timer in one statement (its timer ids are new:
  // nothing to cancel). Another event id for the same creation (a replay): the ticket is known,
  // nothing is written and nothing starts twice.
  const first = nextTimerFor(opened.clock, now);
  const timers = deps.timers.scheduleAllStatement(first ? [first] : [], OPENING_TIMERS_FIRST_PARAM, { onlyIf: `EXISTS (SELECT 1 FROM ${OPENED_CLOCK})` });
  if (!(await insertOpenedTicket(tx, ticket, reference, opened.clock, now, timers))) return 'duplicate';
  sequenceSteps.known(deps.batch, { ticketId: input.ticketId, partnerId: input.partnerId, sequence: input.sequence });
  warnOfCalendarFallbacks(logger, ticket, effects);
  await publishStarted(tx, deps.outbox, { ticketId: ticket.ticketId, partnerId: ticket.partnerId, ticketSequence: input.sequence }, opened.clock, {
    phoneSupport: await phoneSupportOf(tx, env, opened.clock),
  });
  return 'applied';
};

/** How a gap passed over reads in the operator's output and log line. */
const passedOverText = (ticketId: string, { first, last }: SequenceGap): string =>
  first === last
    ? `sequence ${first} of ticket ${ticketId} (taken as an event that moves no clock)`
    : `sequences ${first} to ${last} of ticket ${ticketId} (taken as events that move no clock)`;

/**
 * Any later ticket event, in sequence (DESIGN "Order"): an event whose predecessor has not been
 * applied here (or whose ticket is not known yet) answers `NotYet`, so the consumer retries it;
 * one applied already changes nothing. `passOver`, an operator's replay only (`dead-letters replay
 * <id> --pass-over`, docs/adr/0072, addendum of 2026-12-05, seventh session): the sequence numbers
 * it waits for are passed over as events that move no clock, said to the operator, and the event
 * applies after them; a ticket not known here has nothing to count a clock from and still waits.
 */
export const applyTicketEvent = async (
  tx: EntityManager,
  deps: ClockDeps,
  input: { ticketId: string; partnerId: string; sequence: number; fact: TicketFact },
  now: Date,
  logger?: Pick<Logger, 'warn'>,
  passOver?: PassOver,
): Promise<ApplyOutcome> => {
  // Accepted, assigned, …: only the sequence moves. The next event in order of a ticket this batch
  // opened or stepped is deferred to the batch's end; of another known ticket, one statement;
  // anything else (a duplicate, a gap, an unknown ticket or partner, a ticket without sequences) is
  // classified below, on the locked row, once the batch's deferred steps are written.
  const step = { ticketId: input.ticketId, partnerId: input.partnerId, sequence: input.sequence };
  if (input.fact.kind === 'other' && sequenceSteps.deferred(deps.batch, step)) return 'applied';
  await sequenceSteps.settle(deps.batch, input.ticketId);
  if (input.fact.kind === 'other' && (await slaTicketStore.advanceSequence(tx, input))) {
    sequenceSteps.known(deps.batch, step);
    return 'applied';
  }
  const ticket = await slaTicketStore.lock(tx, input.ticketId);
  // Another partner's event naming this ticket is not this ticket's: treated as unknown.
  let known = ticket && ticket.partnerId === input.partnerId ? ticket : undefined;
  const check = checkSequence(known, input.sequence);
  if (check === 'duplicate') return 'duplicate';
  if (check === 'not_yet' || !known) {
    const gap = known ? sequenceGap(known, input.sequence) : undefined;
    if (!known || !gap || !passOver) {
      const passing = passOver ? ', which cannot be passed over' : '';
      throw new NotYet(`ticket ${input.ticketId}: event ${input.sequence} waits for ${known ? `event ${(known.lastSequence ?? 0) + 1}` : `ticket.created${passing}`}`);
    }
    // Recorded as the ticket's sequence below, in this transaction: a passed number arriving after all is a duplicate.
    passOver.passed(passedOverText(input.ticketId, gap));
    known = { ...known, lastSequence: gap.last };
  }
  // Accepted, assigned, …: only the sequence moves; no policy read, no clock lock.
  if (input.fact.kind === 'other') {
    await slaTicketStore.update(tx, { ...known, lastSequence: input.sequence });
    return 'applied';
  }
  // Lock order: the clock's timers, then the clock (as a firing timer does), so the two wait, never deadlock.
  const seen = await responseClockStore.findOpenForTicket(tx, input.ticketId);
  if (seen) await responseClockStore.lockClockTimers(tx, allTimerIds(seen.clock));
  const open = seen ? await responseClockStore.lockOpenForTicket(tx, input.ticketId) : undefined;
  const env = await environment(tx, known.partnerId, open?.clock.policy, clockStartOf(input.fact), now);
  const { ticket: next, effects } = applyTicketFact(known, open?.clock, input.fact, env);
  await slaTicketStore.update(tx, { ...next, lastSequence: input.sequence });
  await commit(tx, deps, next, effects, env, { sequence: input.sequence, open });
  warnOfCalendarFallbacks(logger, next, effects);
  return 'applied';
};
