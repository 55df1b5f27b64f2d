import { Type } from '@sinclair/typebox';

const EXAMPLE_TICKET_ID = '3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6f';

/** docs/api.md §3: every route that takes a ticket id also takes its reference; the use case tells them apart (a mistyped reference is a 400). */
export const TicketIdOrReference = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'The ticket id (uuid) or its reference number (TSS-XXXXX-XXXXC, any case, dashes optional)',
  examples: [EXAMPLE_TICKET_ID, 'TSS-K7QM2-ZC4XD'],
});
