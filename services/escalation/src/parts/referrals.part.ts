import { definePart } from '@tss/runtime';

/** Referrals to development, quality and design (issue #12, P6, P7). */
export const referralsPart = definePart()({
  name: 'referrals',
  build: () => ({}),
});
