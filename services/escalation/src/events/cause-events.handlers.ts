import { RatingSubmittedV1, RatingWithdrawnV1, SlaBreachedV1, SlaClockStartedV1, SlaOverdueV1, SlaRetargetedV1, SlaWarningV1 } from '@tss/contracts';
import { causesOfRaiseToEmergency } from '../domain/escalation-rules';
import { on, type HandlerBinding } from '@tss/messaging';
import { raiseFor, type RaiseDeps } from '../use-cases/raise-escalations';
import { supersedeClockWarnings } from '../use-cases/supersede-warnings';
import { resolveWithdrawnRatingEscalations } from '../use-cases/withdraw-rating-escalations';

/** sla.* and rating.submitted: events that may set off a rule (the ticket is their subject); rating.withdrawn takes a low rating's back. */
export const causeEventHandlers = (deps: RaiseDeps): HandlerBinding[] => [
  on(SlaWarningV1, async (event, ctx) => {
    const d = event.data;
    await raiseFor(
      ctx.tx,
      deps,
      {
        type: 'sla.warning',
        eventId: event.id,
        ticketId: event.subject,
        partnerId: d.partnerId,
        level: d.level,
        threshold: d.threshold,
        lastWarning: d.last === true,
        clockId: d.clockId,
        ticketSequence: d.ticketSequence,
      },
      ctx.now,
      ctx.batch,
    );
  }),
  on(SlaBreachedV1, async (event, ctx) => {
    const d = event.data;
    await raiseFor(
      ctx.tx,
      deps,
      { type: 'sla.breached', eventId: event.id, ticketId: event.subject, partnerId: d.partnerId, level: d.level, clockId: d.clockId, ticketSequence: d.ticketSequence },
      ctx.now,
      ctx.batch,
    );
    // The deadline passed: "about to breach" is over for this clock (P7).
    await supersedeClockWarnings(ctx.tx, deps, event.subject, d.clockId, ctx.now, { id: event.id, type: event.type, ticketSequence: d.ticketSequence });
  }),
  on(SlaOverdueV1, async (event, ctx) => {
    const d = event.data;
    await raiseFor(
      ctx.tx,
      deps,
      { type: 'sla.overdue', eventId: event.id, ticketId: event.subject, partnerId: d.partnerId, level: d.level, clockId: d.clockId, ticketSequence: d.ticketSequence },
      ctx.now,
      ctx.batch,
    );
  }),
  on(SlaClockStartedV1, async (event, ctx) => {
    const d = event.data;
    await raiseFor(
      ctx.tx,
      deps,
      {
        type: 'sla.clock_started',
        eventId: event.id,
        ticketId: event.subject,
        partnerId: d.partnerId,
        level: d.level,
        phoneSupport: d.phoneSupport,
        clockId: d.clockId,
        ticketSequence: d.ticketSequence,
      },
      ctx.now,
      ctx.batch,
    );
  }),
  // A raise to emergency calls people in as an emergency filed so (the page, the phone call-back).
  on(SlaRetargetedV1, async (event, ctx) => {
    const d = event.data;
    const causes = causesOfRaiseToEmergency({
      eventId: event.id,
      ticketId: event.subject,
      partnerId: d.partnerId,
      level: d.level,
      previousLevel: d.previousLevel,
      phoneSupport: d.phoneSupport,
      clockId: d.clockId,
      ticketSequence: d.ticketSequence,
    });
    for (const cause of causes) await raiseFor(ctx.tx, deps, cause, ctx.now, ctx.batch);
  }),
  // rating.submitted names no ticket event (the requester caused it): its escalation names none either.
  on(RatingSubmittedV1, async (event, ctx) => {
    const d = event.data;
    await raiseFor(
      ctx.tx,
      deps,
      { type: 'rating.submitted', eventId: event.id, ticketId: event.subject, partnerId: d.partnerId, score: d.score, comment: d.comment, quote: d.comment, surveyId: d.surveyId },
      ctx.now,
      ctx.batch,
    );
  }),
  // P11: the rating was taken after a reopening; its low-rating escalation complains of nothing that stands.
  on(RatingWithdrawnV1, async (event, ctx) => {
    await resolveWithdrawnRatingEscalations(ctx.tx, deps, event.subject, event.data.surveyId, ctx.now, { id: event.id, type: event.type, ticketSequence: event.data.ticketSequence });
  }),
];
