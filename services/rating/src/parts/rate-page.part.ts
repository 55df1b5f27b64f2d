import { definePart } from '@tss/runtime';

/** The server-rendered rating page `GET /rate/{token}` (issue #13). */
export const ratePagePart = definePart()({
  name: 'rate-page',
  build: () => ({}),
});
