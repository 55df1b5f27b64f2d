import { defineIntakePart } from './intake-part';

/** Placeholder: filled in by the credentials work of issue #9. */
export const credentialsPart = defineIntakePart({
  name: 'credentials',
  build: () => ({}),
});
