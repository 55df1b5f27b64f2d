import { messagingMigrations } from '@tss/messaging';
import type { ServiceModule } from '@tss/runtime';

export const RATING_SCHEMA = 'rating';

/**
 * rating: surveys, ratings, quality reports; produces `rating.*`.
 * The foundation hosts it with its schema and messaging tables; its rules arrive with its own issue.
 */
export const ratingService: ServiceModule = {
  name: 'rating',
  description: 'Satisfaction surveys, ratings and quality reports.',
  schema: RATING_SCHEMA,
  entities: [],
  migrations: [...messagingMigrations(RATING_SCHEMA)],
  build: () => ({}),
};
