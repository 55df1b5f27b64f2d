import { Type } from '@sinclair/typebox';
import { definePart } from '@tss/runtime';
import { causeEventHandlers } from '../events/cause-events.handlers';
import { clockStopHandlers } from '../events/clock-stop.handlers';
import { staffEventHandlers } from '../events/staff-events.handlers';
import { ticketEventHandlers } from '../events/ticket-events.handlers';
import { escalationRoutes } from '../http/escalation.routes';
import { settingsRoutes } from '../http/settings.routes';
import { EscalationProjections1765300000000 } from '../store/migrations/1765300000000-escalation-projections';
import { EscalationSettings1765300010000 } from '../store/migrations/1765300010000-escalation-settings';
import { Escalations1765300020000 } from '../store/migrations/1765300020000-escalations';
import { EscalationClockStopped1765500100000 } from '../store/migrations/1765500100000-escalation-clock-stopped';
import { MaskRatingQuotes1765500472000 } from '../store/migrations/1765500472000-mask-rating-quotes';
import { MaskKeptQuotes1765501320000 } from '../store/migrations/1765501320000-mask-kept-quotes';
import { EscalationLastNotified1765603000000 } from '../store/migrations/1765603000000-escalation-last-notified';
import { EscalationTicketsByReference1765603010000 } from '../store/migrations/1765603010000-escalation-tickets-by-reference';
import { EscalationTicketSequence1765604200000 } from '../store/migrations/1765604200000-escalation-ticket-sequence';
import { MaskKeptOutcomesAndRosterNotes1765604960000 } from '../store/migrations/1765604960000-mask-kept-outcomes-and-roster-notes';
import { IdempotencyFingerprintsCleared1765605800000 } from '../store/migrations/1765605800000-idempotency-fingerprints-cleared';
import { MaskKeptAnswers1765606140000 } from '../store/migrations/1765606140000-mask-kept-answers';
import { MaskKeptStaffNames1765606420000 } from '../store/migrations/1765606420000-mask-kept-staff-names';
import { MaskKeptPrivateKeys1765606500000 } from '../store/migrations/1765606500000-mask-kept-private-keys';
import { RENOTIFY_TIMER } from '../use-cases/renotice-timer';
import { onRenoticeDue } from '../use-cases/renotify-escalation';
import { namedPlugin } from '@tss/service-kit';

export const EscalationConfig = {
  ESCALATION_RENOTIFY_AFTER_MS: Type.Integer({
    minimum: 1_000,
    maximum: 7 * 24 * 3_600_000,
    default: 15 * 60_000,
    description: 'An escalation nobody acknowledged is sent again after this long, and again after each interval',
  }),
};

/** Escalation rules, records, the on-duty roster and re-notices (issue #12, docs/escalation.md, docs/adr/0038-escalation.md). */
export const escalationsPart = definePart()({
  name: 'escalations',
  config: EscalationConfig,
  migrations: [EscalationProjections1765300000000, EscalationSettings1765300010000, Escalations1765300020000, EscalationClockStopped1765500100000, MaskRatingQuotes1765500472000, MaskKeptQuotes1765501320000, EscalationLastNotified1765603000000, EscalationTicketsByReference1765603010000, EscalationTicketSequence1765604200000, MaskKeptOutcomesAndRosterNotes1765604960000, IdempotencyFingerprintsCleared1765605800000, MaskKeptAnswers1765606140000, MaskKeptStaffNames1765606420000, MaskKeptPrivateKeys1765606500000],
  build: (deps) => {
    const renotifyAfterMs = deps.config.ESCALATION_RENOTIFY_AFTER_MS;
    const raise = { outbox: deps.outbox, timers: deps.timers, logger: deps.logger, renotifyAfterMs };
    return {
      routes: async (app) => {
        await app.register(namedPlugin('settingsRoutes', settingsRoutes({ unitOfWork: deps.unitOfWork, clock: deps.clock })));
        await app.register(namedPlugin('escalationRoutes', escalationRoutes({ unitOfWork: deps.unitOfWork, outbox: deps.outbox, timers: deps.timers, clock: deps.clock })));
      },
      handlers: [...ticketEventHandlers(raise), ...causeEventHandlers(raise), ...clockStopHandlers(raise), ...staffEventHandlers()],
      timers: { [RENOTIFY_TIMER]: onRenoticeDue({ ...raise, clock: deps.clock }) },
    };
  },
});
