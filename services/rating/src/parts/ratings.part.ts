import { definePart } from '@tss/runtime';

/** Surveys on resolution, ratings, "not solved" and quality reports (issue #13, P11). */
export const ratingsPart = definePart()({
  name: 'ratings',
  build: () => ({}),
});
