import { Type, type Static } from '@sinclair/typebox';
import { Channel, Product, ServiceLevel, StringEnum, Text, TicketStatus } from '@tss/contracts';
import { RECOMMENDED_DETAILS } from '../domain/ticket-request';

export const FileTicketBody = Type.Object(
  {
    product: Product,
    productVersion: Text({ maxLength: 64, description: 'Product version used' }),
    subject: Type.Optional(Text({ maxLength: 200, description: 'Short summary; defaults to the start of the description' })),
    description: Text({ maxLength: 20_000, description: 'Problem description' }),
    stepsToReproduce: Type.Optional(Text({ maxLength: 20_000, description: 'Step-by-step actions leading to the problem' })),
    browser: Type.Optional(Text({ maxLength: 200, description: 'Browser used when the problem occurred' })),
    operatingSystem: Type.Optional(Text({ maxLength: 200, description: 'Operating system' })),
    operatingSystemVersion: Type.Optional(Text({ maxLength: 100, description: 'Operating system version' })),
    connectivity: Type.Optional(Text({ maxLength: 2_000, description: 'Internet connectivity details' })),
    antivirus: Type.Optional(Text({ maxLength: 2_000, description: 'Antivirus software and settings' })),
    level: Type.Optional(ServiceLevel),
    requester: Type.Optional(
      Type.Object(
        {
          email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
          name: Type.Optional(Text({ maxLength: 200, description: 'Requester name' })),
          id: Type.Optional(Text({ maxLength: 200, description: "The partner's id for its client" })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    $id: 'FileTicketRequest',
    additionalProperties: false,
    examples: [
      {
        product: 'reader',
        productVersion: '4.2.1',
        subject: 'Reader crashes on opening EPUB',
        description: 'The reader closes when opening any EPUB from the library.',
        stepsToReproduce: '1. Open library 2. Tap any EPUB',
        browser: 'Chrome 131',
        operatingSystem: 'Windows',
        operatingSystemVersion: '11 23H2',
        requester: { email: 'reader.user@example.com', name: 'Ann Example' },
      },
    ],
  },
);
export type FileTicketBody = Static<typeof FileTicketBody>;

export const TicketView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    reference: Type.String({ description: 'P3 reference number, e.g. TSS-K7QM2-ZC4XD' }),
    status: TicketStatus,
    level: ServiceLevel,
    levelConfirmed: Type.Boolean(),
    channel: Channel,
    product: Product,
    productVersion: Type.String(),
    subject: Type.String(),
    missingDetails: Type.Array(StringEnum(RECOMMENDED_DETAILS), {
      description: 'P2: details the rules ask for that the request lacks; they may delay the response',
    }),
    teamLeaderRequested: Type.Boolean(),
    receivedAt: Type.String({ format: 'date-time' }),
    acceptedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'Ticket' },
);
export type TicketView = Static<typeof TicketView>;

export const TicketIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' })),
});
export const TicketListQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) });
export const TicketList = Type.Object({ items: Type.Array(Type.Ref('Ticket')) });

/** Schemas every part's routes may `$ref` (`Type.Ref('Ticket')`): added once, where the parts are registered. */
export const SHARED_SCHEMAS = [TicketView] as const;
