import { Type } from '@sinclair/typebox';

/**
 * P9: in the answer to a write only, when access particulars were removed from what its author
 * wrote (docs/adr/0026, addendum of 2026-12-05, fourth session). Absent otherwise, and on reads.
 */
export const WithheldNotes = Type.Optional(
  Type.Array(Type.String(), {
    description:
      'Only when access particulars (`password: …`) were removed from a text you wrote: what was withheld and where to hand particulars over instead (POST /v1/tickets/{id}/credentials). The text is kept with `[access particulars removed]`',
  }),
);
