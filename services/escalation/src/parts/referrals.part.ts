import { definePart } from '@tss/runtime';
import { referralHandlers } from '../events/referral-answers.handlers';
import { referralRoutes } from '../http/referral.routes';
import { Referrals1765300100000 } from '../store/migrations/1765300100000-referrals';
import { ReferralTicketSequence1765604210000 } from '../store/migrations/1765604210000-referral-ticket-sequence';
import { MaskKeptReferralTexts1765604950000 } from '../store/migrations/1765604950000-mask-kept-referral-texts';

/** Referrals to development, quality and design (issue #12, P5, P6, P7; docs/adr/0039). */
export const referralsPart = definePart()({
  name: 'referrals',
  migrations: [Referrals1765300100000, ReferralTicketSequence1765604210000, MaskKeptReferralTexts1765604950000],
  build: (deps) => ({
    routes: referralRoutes({ unitOfWork: deps.unitOfWork, clock: deps.clock, outbox: deps.outbox }),
    handlers: referralHandlers({ logger: deps.logger }),
  }),
});
