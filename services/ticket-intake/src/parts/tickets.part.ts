import { Type } from '@sinclair/typebox';
import { AUTO_CLOSE_TIMER } from '../use-cases/commit-change';
import { autoCloseTimer } from '../events/auto-close.timer';
import { siteLinkHistoryHandlers } from '../events/site-link-history.handlers';
import { partnerDirectoryHandlers } from '../events/partner-directory.handlers';
import { requestedChangeHandlers } from '../events/requested-changes.handlers';
import { staffDirectoryHandlers } from '../events/staff-directory.handlers';
import { messageRoutes } from '../http/message.routes';
import { ticketRoutes } from '../http/ticket.routes';
import { TicketLifecycle1765000000000 } from '../store/migrations/1765000000000-ticket-lifecycle';
import { CreateTickets1764115300000 } from '../store/migrations/1764115300000-create-tickets';
import { MessageEmailSender1765000400000 } from '../store/migrations/1765000400000-message-email-sender';
import { KnownPartners1765000500000 } from '../store/migrations/1765000500000-known-partners';
import { MaskRatingReopenReasons1765500471000 } from '../store/migrations/1765500471000-mask-rating-reopen-reasons';
import { TicketFollowUps1765500600000 } from '../store/migrations/1765500600000-ticket-follow-ups';
import { MaskKeptTicketText1765501300000 } from '../store/migrations/1765501300000-mask-kept-ticket-text';
import { MaskKeptHistoryText1765501330000 } from '../store/migrations/1765501330000-mask-kept-history-text';
import { MaskRequestDetails1765501370000 } from '../store/migrations/1765501370000-mask-request-details';
import { KnownStaff1765600300000 } from '../store/migrations/1765600300000-known-staff';
import { HistoryVisibility1765601910000 } from '../store/migrations/1765601910000-history-visibility';
import { ReferralHistoryForStaff1765603050000 } from '../store/migrations/1765603050000-referral-history-for-staff';
import { StaffHistoryFloor1765603700000 } from '../store/migrations/1765603700000-staff-history-floor';
import { RequestVerifiersWithoutParticulars1765604800000 } from '../store/migrations/1765604800000-request-verifiers-without-particulars';
import { IdempotencyFingerprintsCleared1765604810000 } from '../store/migrations/1765604810000-idempotency-fingerprints-cleared';
import { MessageAuthorOnBehalf1765600250000 } from '../store/migrations/1765600250000-message-author-on-behalf';
import { WaitQuestion1765602900000 } from '../store/migrations/1765602900000-wait-question';
import { MaskKeptClosureNotes1765604900000 } from '../store/migrations/1765604900000-mask-kept-closure-notes';
import { MaskKeptReferralReasons1765604910000 } from '../store/migrations/1765604910000-mask-kept-referral-reasons';
import { EmptyMailDescriptions1765606200000 } from '../store/migrations/1765606200000-empty-mail-descriptions';
import { MaskKeptStatusChangeReasons1765606120000 } from '../store/migrations/1765606120000-mask-kept-status-change-reasons';
import { MaskKeptPrivateKeys1765606300000 } from '../store/migrations/1765606300000-mask-kept-private-keys';
import { MaskKeptKeyRemainders1765606530000 } from '../store/migrations/1765606530000-mask-kept-key-remainders';
import { TicketsByProduct1765606860000 } from '../store/migrations/1765606860000-tickets-by-product';
import { TicketEntity } from '../store/ticket.entity';
import { defineIntakePart } from './intake-part';
import { namedPlugin } from '@tss/service-kit';

const DAY_MS = 24 * 3_600_000;

/** Tickets: filing, reading, the status machine, history, messages and the thread; changes other services ask for; the partners staff file for and the staff tickets are assigned to. */
export const ticketsPart = defineIntakePart({
  name: 'tickets',
  config: {
    REOPEN_WINDOW_DAYS: Type.Integer({
      minimum: 1,
      maximum: 365,
      default: 14,
      description: 'P11: days after resolution in which reopening reopens the ticket; then it closes by itself',
    }),
  },
  entities: [TicketEntity],
  migrations: [CreateTickets1764115300000, TicketLifecycle1765000000000, MessageEmailSender1765000400000, KnownPartners1765000500000, MaskRatingReopenReasons1765500471000, TicketFollowUps1765500600000, MaskKeptTicketText1765501300000, MaskKeptHistoryText1765501330000, MaskRequestDetails1765501370000, MessageAuthorOnBehalf1765600250000, KnownStaff1765600300000, HistoryVisibility1765601910000, WaitQuestion1765602900000, ReferralHistoryForStaff1765603050000, StaffHistoryFloor1765603700000, RequestVerifiersWithoutParticulars1765604800000, IdempotencyFingerprintsCleared1765604810000, MaskKeptClosureNotes1765604900000, MaskKeptReferralReasons1765604910000, MaskKeptStatusChangeReasons1765606120000, EmptyMailDescriptions1765606200000, MaskKeptPrivateKeys1765606300000, MaskKeptKeyRemainders1765606530000, TicketsByProduct1765606860000],
  build: (deps) => {
    const reopenWindowMs = deps.config.REOPEN_WINDOW_DAYS * DAY_MS;
    const changeDeps = { ...deps, reopenWindowMs, hooks: deps.lifecycleHooks, messageHooks: deps.messageHooks, filingHooks: deps.filingHooks, messageUploads: deps.messageUploads };
    return {
      routes: async (app) => {
        await app.register(namedPlugin('ticketRoutes', ticketRoutes(changeDeps)));
        await app.register(namedPlugin('messageRoutes', messageRoutes(changeDeps)));
      },
      handlers: [...requestedChangeHandlers(changeDeps), ...partnerDirectoryHandlers(), ...siteLinkHistoryHandlers(), ...staffDirectoryHandlers(changeDeps)],
      timers: { [AUTO_CLOSE_TIMER]: autoCloseTimer(changeDeps) },
    };
  },
});
