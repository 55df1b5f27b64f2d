import { Type } from '@sinclair/typebox';
import { StringEnum } from '@tss/contracts';
import { QueueAssigneeFilters, QueueViews } from '../domain/queue-order';

export const QueueQuery = Type.Object(
  {
    assignee: StringEnum(QueueAssigneeFilters, {
      default: 'none',
      description: 'none: unassigned tickets (the default), me: the caller’s, any: all',
    }),
    view: StringEnum(QueueViews, {
      default: 'owed',
      description:
        'owed: tickets owing a response (the default; what a claim takes from). open: every new or open ticket, those owing no response ' +
        '(back from a wait with nothing from the requester, or answered) after the others and without dueAt, so none is out of sight',
    }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000, description: 'The nextCursor of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

export const QueueEntry = Type.Object({
  ticket: Type.Ref('TicketSummary'),
  partnerId: Type.String({ format: 'uuid' }),
  dueAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the response owed is due (P5); absent when none is owed (view open only)' })),
  dueAtSource: Type.Optional(
    StringEnum(['sla_clock', 'level_target'] as const, {
      description: "sla_clock: the running response clock's; level_target: time received plus the level's maximum, until the clock is known; absent with dueAt",
    }),
  ),
});

export const QueuePage = Type.Object({
  items: Type.Array(QueueEntry, { description: 'P4: emergencies first, then by due time, then in the order received; view open: tickets owing nothing after the others' }),
  nextCursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next page; absent on the last page' })),
});
