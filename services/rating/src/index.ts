import { composeService, type ServicePart } from '@tss/runtime';
import { partnersPart } from './parts/partners.part';
import { ratePagePart } from './parts/rate-page.part';
import { ratingsPart } from './parts/ratings.part';
import { RATING_SCHEMA } from './schema';

export { RATING_SCHEMA };

/** rating: surveys, ratings, quality reports; produces `rating.*`. Each feature is a part (parts/). */
export const ratingService = composeService({
  name: 'rating',
  description: 'Satisfaction surveys, ratings and quality reports.',
  schema: RATING_SCHEMA,
  parts: [ratingsPart, ratePagePart, partnersPart] as readonly ServicePart[],
  idempotency: true,
});
