import { Type } from '@sinclair/typebox';
import { definePart } from '@tss/runtime';
import { SiteLinkEnv, namedPlugin } from '@tss/service-kit';
import { escalationEventHandlers } from '../events/escalation-events.handlers';
import { slaEventHandlers } from '../events/sla-events.handlers';
import { ticketEventHandlers } from '../events/ticket-events.handlers';
import { qualityReportRoutes } from '../http/quality-report.routes';
import { ratingRoutes } from '../http/rating.routes';
import { CreateRatings1765300200000 } from '../store/migrations/1765300200000-create-ratings';
import { SurveyWithdrawn1765300210000 } from '../store/migrations/1765300210000-survey-withdrawn';
import { MaskKeptRatingComments1765500470000 } from '../store/migrations/1765500470000-mask-kept-rating-comments';
import { MaskKeptTicketSubjects1765501310000 } from '../store/migrations/1765501310000-mask-kept-ticket-subjects';
import { WithdrawnRatings1765603800000 } from '../store/migrations/1765603800000-withdrawn-ratings';
import { IdempotencyFingerprintsCleared1765605800000 } from '../store/migrations/1765605800000-idempotency-fingerprints-cleared';
import { MaskKeptPrivateKeys1765606510000 } from '../store/migrations/1765606510000-mask-kept-private-keys';
import { QualityFactsByPartner1765606863000 } from '../store/migrations/1765606863000-quality-facts-by-partner';

const DAY_MS = 86_400_000;

export const RatingsConfig = {
  RATING_LINK_TTL_MS: Type.Integer({
    minimum: 3_600_000,
    maximum: 90 * DAY_MS,
    default: 14 * DAY_MS,
    description: 'P11: how long a rating link (sent on resolution) opens; 1 hour to 90 days, default 14 days',
  }),
  // The same declaration as the gateway's and notification's: one process merges identical ones.
  TSS_PUBLIC_URL: SiteLinkEnv.TSS_PUBLIC_URL,
};

/** Surveys on resolution, ratings, "not solved" and quality reports (issue #13, P11). */
export const ratingsPart = definePart()({
  name: 'ratings',
  config: RatingsConfig,
  migrations: [CreateRatings1765300200000, SurveyWithdrawn1765300210000, MaskKeptRatingComments1765500470000, MaskKeptTicketSubjects1765501310000, WithdrawnRatings1765603800000, IdempotencyFingerprintsCleared1765605800000, MaskKeptPrivateKeys1765606510000, QualityFactsByPartner1765606863000],
  build: (deps) => ({
    routes: async (app) => {
      await app.register(namedPlugin('ratingRoutes', ratingRoutes(deps)));
      await app.register(namedPlugin('qualityReportRoutes', qualityReportRoutes(deps)));
    },
    handlers: [
      ...ticketEventHandlers({ linkTtlMs: deps.config.RATING_LINK_TTL_MS, publicUrl: deps.config.TSS_PUBLIC_URL }),
      ...slaEventHandlers(),
      ...escalationEventHandlers(),
    ],
  }),
});
