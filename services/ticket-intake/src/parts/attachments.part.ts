import { defineIntakePart } from './intake-part';

/** Placeholder: filled in by the attachments work of issue #9. */
export const attachmentsPart = defineIntakePart({
  name: 'attachments',
  build: () => ({}),
});
