import { Type, type Static } from '@sinclair/typebox';
import { Products, ServiceLevels, SupportCategoryCodes, Text, TicketStatuses } from '@tss/contracts';

// A filter that takes several values: repeat the parameter (`status=new&status=open`) or
// comma-separate them (`status=new,open`); the values are checked in ticket-list.query.ts so a bad
// one is a 400 naming the field and the allowed values.
const manyOf = (name: string, values: readonly string[]) =>
  Type.Optional(
    Type.Array(Type.String({ maxLength: 500 }), {
      maxItems: 20,
      description: `${name}: one or more of ${values.join(', ')}; repeat the parameter or separate values with commas`,
    }),
  );

export const TicketListQuery = Type.Object(
  {
    status: manyOf('Status', TicketStatuses),
    level: manyOf('Service level', ServiceLevels),
    product: manyOf('Product', Products),
    category: manyOf('Category (P6)', SupportCategoryCodes),
    requesterId: Type.Optional(Text({ minLength: 1, maxLength: 200, description: "The partner's id for its client" })),
    assigneeId: Type.Optional(Text({ minLength: 1, maxLength: 200, description: 'The staff member the ticket is assigned to' })),
    partnerId: Type.Optional(Type.String({ format: 'uuid', description: "Staff: one partner's tickets (partners and requesters always see only their own)" })),
    linkedTicketId: Type.Optional(Type.String({ format: 'uuid', description: 'P11: the tickets that follow this one up (filed by "not solved" or a reply after its reopen window)' })),
    createdFrom: Type.Optional(Type.String({ format: 'date-time', description: 'Received at or after this instant' })),
    createdTo: Type.Optional(Type.String({ format: 'date-time', description: 'Received before this instant' })),
    q: Type.Optional(
      Text({
        minLength: 1,
        maxLength: 500,
        description: 'Full text over the reference, subject, description and public messages (web search syntax: words, "a phrase", or, -word)',
        examples: ['epub crash', '"blank page" -android'],
      }),
    ),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000, description: 'The nextCursor of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);
export type TicketListQuery = Static<typeof TicketListQuery>;

export const TicketListPage = Type.Object({
  items: Type.Array(Type.Ref('TicketSummary'), { description: 'Newest first: by time received, then id; each without the long texts of its request (its GET has them)' }),
  nextCursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next page; absent on the last page' })),
});
