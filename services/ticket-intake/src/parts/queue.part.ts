import { defineIntakePart } from './intake-part';

/** Placeholder: filled in by the queue work of issue #9. */
export const queuePart = defineIntakePart({
  name: 'queue',
  build: () => ({}),
});
