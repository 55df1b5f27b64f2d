import { Type, type Static } from '@sinclair/typebox';
import {
  Channel,
  Language,
  OutOfScopeReason,
  Product,
  RequesterWaitReason,
  ServiceLevel,
  StringEnum,
  SupportCategoryCode,
  SupportDelay,
  ThirdPartyKind,
  TicketStatus,
  VisibleText,
} from '@tss/contracts';
import { RECOMMENDED_DETAILS, type RequestDetail } from '../domain/ticket-request';

const EXAMPLE_TICKET_ID = '3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6f';

/**
 * P2: the request details as filing takes them; a PATCH records them after filing with the same
 * checks (docs/adr/0069, addendum of 2026-12-04, fifth session).
 */
const requestDetailFields = {
  product: Product,
  productVersion: VisibleText({ maxLength: 64, description: 'Product version used' }),
  stepsToReproduce: VisibleText({ maxLength: 20_000, description: 'Step-by-step actions leading to the problem' }),
  browser: VisibleText({ maxLength: 200, description: 'Browser used when the problem occurred' }),
  operatingSystem: VisibleText({ maxLength: 200, description: 'Operating system' }),
  operatingSystemVersion: VisibleText({ maxLength: 100, description: 'Operating system version' }),
  connectivity: VisibleText({ maxLength: 2_000, description: 'Internet connectivity details' }),
  antivirus: VisibleText({ maxLength: 2_000, description: 'Antivirus software and settings' }),
} satisfies Record<RequestDetail, unknown>;

/** The details both filing and a PATCH take as optional (filing requires the product and its version). */
const optionalRequestDetails = {
  stepsToReproduce: Type.Optional(requestDetailFields.stepsToReproduce),
  browser: Type.Optional(requestDetailFields.browser),
  operatingSystem: Type.Optional(requestDetailFields.operatingSystem),
  operatingSystemVersion: Type.Optional(requestDetailFields.operatingSystemVersion),
  connectivity: Type.Optional(requestDetailFields.connectivity),
  antivirus: Type.Optional(requestDetailFields.antivirus),
};

export const FileTicketBody = Type.Object(
  {
    product: requestDetailFields.product,
    productVersion: requestDetailFields.productVersion,
    subject: Type.Optional(VisibleText({ maxLength: 200, description: 'Short summary; defaults to the start of the description' })),
    description: VisibleText({ maxLength: 20_000, description: 'Problem description' }),
    ...optionalRequestDetails,
    level: Type.Optional(ServiceLevel),
    criticalErrorConfirmed: Type.Optional(
      Type.Boolean({ description: 'Staff only: with levelConfirmed, required to file a confirmed emergency (P5), as for a PATCH' }),
    ),
    language: Type.Optional(Language),
    channel: Type.Optional(
      StringEnum(['api', 'site', 'phone'] as const, {
        description: "How the request arrived: `api` (default for partners), `site` (the partner's support site), `phone` (staff registering a call, P12)",
      }),
    ),
    partnerId: Type.Optional(Type.String({ format: 'uuid', description: 'Staff only: the partner the request is filed for' })),
    levelConfirmed: Type.Optional(
      Type.Boolean({ description: 'Staff only: the level is confirmed, not a suggestion (P5, P12); a phone contact at a level other than consulting needs it' }),
    ),
    requester: Type.Optional(
      Type.Object(
        {
          email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
          name: Type.Optional(VisibleText({ maxLength: 200, description: 'Requester name' })),
          id: Type.Optional(VisibleText({ maxLength: 200, description: "The partner's id for its client" })),
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
        language: 'en',
        requester: { email: 'reader.user@example.com', name: 'Ann Example' },
      },
    ],
  },
);
export type FileTicketBody = Static<typeof FileTicketBody>;

const Closure = Type.Object({
  reason: Type.String({ description: 'An out-of-scope reason from the catalogue (P6), `reopen_window_ended` or `closed_by_support`' }),
  thirdParty: Type.Optional(ThirdPartyKind),
  note: Type.Optional(Type.String()),
});

/** The requester as the ticket names them (P2): whoever may read the ticket sees them, its own requester included. */
const TicketRequester = Type.Object(
  {
    id: Type.Optional(Type.String({ description: "The partner's id for its client (the address, for a requester named by address only)" })),
    name: Type.Optional(Type.String()),
    email: Type.Optional(Type.String({ format: 'email' })),
  },
  { description: 'The requester the ticket was filed for. Shown to the partner, to staff and to that requester; another requester never sees the ticket at all.' },
);

/** What a ticket shows in a list as on its own: its state, and the short details of its request. */
const ticketSummaryFields = {
  id: Type.String({ format: 'uuid' }),
  reference: Type.String({ description: 'P3 reference number, e.g. TSS-K7QM2-ZC4XD' }),
  partnerId: Type.String({ format: 'uuid', description: 'The partner the ticket was filed for' }),
  requester: Type.Optional(TicketRequester),
  status: TicketStatus,
  level: ServiceLevel,
  levelConfirmed: Type.Boolean({ description: 'P5: false while the level is the filer’s suggestion' }),
  channel: Channel,
  language: Language,
  product: Type.Optional(Product),
  productVersion: Type.Optional(Type.String()),
  subject: Type.String({ description: "The request's subject, else the start of its description; empty for a mail that had neither" }),
  browser: Type.Optional(Type.String({ description: 'P2: browser used when the problem occurred' })),
  operatingSystem: Type.Optional(Type.String({ description: 'P2: operating system' })),
  operatingSystemVersion: Type.Optional(Type.String({ description: 'P2: operating system version' })),
  category: Type.Optional(SupportCategoryCode),
  assigneeId: Type.Optional(Type.String()),
  waitReason: Type.Optional(RequesterWaitReason),
  supportDelay: Type.Optional(SupportDelay),
  closure: Type.Optional(Closure),
  linkedTicketId: Type.Optional(Type.String({ format: 'uuid', description: 'P11: the ticket this one follows up' })),
  responseOwed: Type.Boolean({ description: 'P5: a response to the requester is owed' }),
  missingDetails: Type.Array(StringEnum(RECOMMENDED_DETAILS), {
    description:
      'P2: details the rules ask for that the request lacks, in the rules\' order; they may delay the response. `description` only for a request mailed with no text, until the requester\'s next message describes it',
  }),
  teamLeaderRequested: Type.Boolean(),
  receivedAt: Type.String({ format: 'date-time' }),
  acceptedAt: Type.Optional(Type.String({ format: 'date-time' })),
  resolvedAt: Type.Optional(Type.String({ format: 'date-time' })),
  reopenWindowEndsAt: Type.Optional(Type.String({ format: 'date-time', description: 'P11: until then, reopening reopens this ticket' })),
  closedAt: Type.Optional(Type.String({ format: 'date-time' })),
  version: Type.Integer({ description: 'The ticket’s version; its ETag is this number in quotes' }),
};

/**
 * A ticket in a list (`GET /v1/tickets`, the queue): everything but the long texts of its request
 * (description, steps, connectivity and antivirus, up to 44 000 characters a ticket), which its
 * own GET shows. A page of 200 stays small.
 */
export const TicketSummaryView = Type.Object(ticketSummaryFields, {
  $id: 'TicketSummary',
  description: 'A ticket as lists show it: the Ticket without the long texts of its request (GET /v1/tickets/{id} has them)',
});
export type TicketSummaryView = Static<typeof TicketSummaryView>;

/** A ticket on its own: the summary, and the whole request it was filed with (P2; masked as P9 requires). */
export const TicketView = Type.Object(
  {
    ...ticketSummaryFields,
    awaiting: Type.Optional(
      Type.Object(
        {
          reason: RequesterWaitReason,
          question: Type.Optional(
            Type.String({
              description:
                "What support asked the requester: the agent's note when the wait began or took its present reason (PATCH `note`), access particulars masked (P9). Absent when the wait asks nothing beyond its reason",
            }),
          ),
        },
        {
          description:
            'P10: present only while the ticket waits on the requester (`awaiting_customer`): why, and what support asked. The requester reads it here and on the support site as well as in the "Information needed" mail; it goes when the wait ends (the requester replies, or support moves the ticket on)',
        },
      ),
    ),
    description: Type.String({
      description:
        "P2: the problem description, in the requester's words. Empty (and `description` in `missingDetails`) while a request mailed with no text, or none of its own (only a signature or quoted history, kept on the thread), has none: the requester's next message on the thread becomes it",
    }),
    stepsToReproduce: Type.Optional(Type.String({ description: 'P2: the steps leading to the problem' })),
    connectivity: Type.Optional(Type.String({ description: 'P2: Internet connectivity details' })),
    antivirus: Type.Optional(Type.String({ description: 'P2: antivirus software and settings' })),
  },
  { $id: 'Ticket' },
);
export type TicketView = Static<typeof TicketView>;

/** A ticket named in a path: its id or its reference number (P3). */
export const TicketIdOrReference = Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'The ticket id (uuid) or its reference number (TSS-XXXXX-XXXXC, any case, dashes optional)',
    examples: [EXAMPLE_TICKET_ID, 'TSS-K7QM2-ZC4XD'],
  });

export const TicketParams = Type.Object({
  id: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'The ticket id (uuid) or its reference number (TSS-XXXXX-XXXXC, any case, dashes optional)',
    examples: [EXAMPLE_TICKET_ID, 'TSS-K7QM2-ZC4XD'],
  }),
});

/** One message of a ticket: the ticket by id or reference, the message by its id. */
export const MessageParams = Type.Object({
  id: TicketParams.properties.id,
  messageId: Type.String({ format: 'uuid', description: 'The message id, as the thread and the posted message show it' }),
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' })),
});
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 200, description: 'The ETag of the ticket as read (required for agents), compared strongly: a weak `W/` tag is a 412, `*` a 428 (it names no version)' })),
  'if-none-match': Type.Optional(
    Type.String({ maxLength: 200, description: 'ETags the change must not be made over, compared weakly, or `*` (the ticket exists): naming the current one is a 412 (RFC 9110 §13.1.2)' }),
  ),
});

export const TicketPatchBody = Type.Object(
  {
    level: Type.Optional(ServiceLevel),
    criticalErrorConfirmed: Type.Optional(Type.Boolean({ description: 'P5: required to set level emergency' })),
    levelConfirmed: Type.Optional(Type.Literal(true, { description: 'Confirms the current level (P5)' })),
    category: Type.Optional(SupportCategoryCode),
    assigneeId: Type.Optional(
      Type.Union([VisibleText({ minLength: 1, maxLength: 200 }), Type.Null()], {
        description:
          'The staff member who works the ticket: an active staff client whose role works tickets (agent, team_lead, developer), or the caller; ' +
          'anything else is a 422. null returns it to the unassigned queue (`ticket.unassigned`)',
      }),
    ),
    status: Type.Optional(TicketStatus),
    waitReason: Type.Optional(RequesterWaitReason),
    supportDelay: Type.Optional(SupportDelay),
    closure: Type.Optional(
      Type.Object(
        {
          reason: OutOfScopeReason,
          thirdParty: ThirdPartyKind,
          note: Type.Optional(
            VisibleText({ maxLength: 2_000, description: "Shown with the closure (the ticket's view and lists, the partner's too): access particulars in it are vaulted and masked (P9)" }),
          ),
        },
        { additionalProperties: false, description: 'P6: required to close an unresolved ticket as out of scope' },
      ),
    ),
    note: Type.Optional(VisibleText({ maxLength: 2_000, description: 'Why: kept in the history' })),
    // P2: staff record the details a request lacked (a mail or a call names no product), or correct them.
    product: Type.Optional(requestDetailFields.product),
    productVersion: Type.Optional(requestDetailFields.productVersion),
    ...optionalRequestDetails,
  },
  {
    $id: 'TicketPatch',
    additionalProperties: false,
    minProperties: 1,
    examples: [
      { level: 'emergency', criticalErrorConfirmed: true, category: 'software_errors', note: 'Admin UI down for every user' },
      { status: 'awaiting_customer', waitReason: 'cannot_reproduce' },
      { status: 'closed', closure: { reason: 'server_or_proxy_connectivity', thirdParty: 'network_or_proxy_administrator' } },
      { status: 'resolved', note: 'Fixed in 4.2.2' },
      { product: 'reader', productVersion: '4.2.1', browser: 'Firefox 120', operatingSystem: 'Windows', operatingSystemVersion: '11', note: "From the requester's reply" },
    ],
  },
);
export type TicketPatchBody = Static<typeof TicketPatchBody>;

/** How a partner's or requester's words reached us: the API, or the partner's support site (P12). */
const RequesterChannel = StringEnum(['api', 'site'] as const, {
  description: "Partners and requesters: `api` (default) or `site` (written on the partner's support site, P12); staff messages take the ticket's channel",
});

export const ReopenBody = Type.Object(
  {
    reason: Type.Optional(
      VisibleText({ maxLength: 4_000, description: "Why the problem is not solved; from a partner or requester it is also the requester's message on the thread (P7, P9 apply)" }),
    ),
    channel: Type.Optional(RequesterChannel),
  },
  { additionalProperties: false, examples: [{ reason: 'The reader still crashes on EPUB 3 files.' }] },
);
export const ReopenView = Type.Object({
  ticket: Type.Ref('Ticket'),
  followUp: Type.Boolean({ description: 'P11: true when a new ticket linked to this one was filed (after the window, or once closed)' }),
});

const MessageText = VisibleText({ minLength: 1, maxLength: 50_000, description: 'The message text' });
const MessageVisibility = StringEnum(['public', 'internal'] as const, { description: '`internal` notes are for staff only', default: 'public' });
/** The most attachments a message names, whatever the number of files it brings. */
const MAX_NAMED_ATTACHMENTS = 20;

export const MessageBody = Type.Object(
  {
    body: MessageText,
    visibility: Type.Optional(MessageVisibility),
    attachmentIds: Type.Optional(
      Type.Array(Type.String({ format: 'uuid' }), {
        maxItems: MAX_NAMED_ATTACHMENTS,
        uniqueItems: true,
        description: 'Attachments uploaded with POST /v1/tickets/{id}/attachments and not yet on a message, to link to this one',
      }),
    ),
    channel: Type.Optional(RequesterChannel),
  },
  {
    additionalProperties: false,
    examples: [{ body: 'It also happens with PDF files. Screenshot attached.', attachmentIds: [] }, { body: 'Checked the logs; looks like #4411.', visibility: 'internal' }],
  },
);
export type MessageBody = Static<typeof MessageBody>;

/**
 * The same message as multipart/form-data (P8: the text and its screenshots in one request), as
 * the document shows it and as its text parts are validated: one part per field, repeated for each
 * value of an array (each attachment id, each file). The files are read before validation
 * (`message.routes.ts`), so validation sees the text parts alone; their limits are the upload
 * limits (413), at most `maxFiles` of them (ATTACHMENT_MAX_FILES).
 */
export const messageForm = (maxFiles: number) =>
  Type.Object(
    {
      body: MessageText,
      visibility: Type.Optional(MessageVisibility),
      channel: Type.Optional(RequesterChannel),
      attachmentIds: Type.Optional(
        Type.Array(Type.String({ format: 'uuid' }), {
          maxItems: MAX_NAMED_ATTACHMENTS,
          uniqueItems: true,
          description: 'Attachments uploaded before (POST /v1/tickets/{id}/attachments) to link to this message: one part per id',
        }),
      ),
      file: Type.Optional(
        Type.Array(Type.Unsafe<string>({ type: 'string', format: 'binary' }), {
          maxItems: maxFiles,
          description:
            'Files to attach, one part per file: JPG, GIF or PNG images; ZIP or RAR archives of those and BMP (the type is judged by the content, not the name). ' +
            'Stored with the message, or not at all.',
        }),
      ),
    },
    {
      additionalProperties: false,
      description: 'multipart/form-data: a part per field; repeat `attachmentIds` and `file` for each value',
      examples: [{ body: 'It also happens with PDF files. Screenshot attached.', file: ['(screenshot.png bytes)'] }, { body: 'Written on our support site: it happens on Android too.', channel: 'site' }],
    },
  );

export const MessageView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    ticketId: Type.String({ format: 'uuid' }),
    author: Type.Object({
      kind: StringEnum(['requester', 'agent', 'system', 'email_sender', 'staff'] as const, {
        description:
          "`email_sender`: a mail threaded onto the ticket (by its reference or a Message-ID) from an address other than the requester's; `name` is that address and there is no `id`. " +
          '`staff`: a staff member (`id`) wrote it through a support-site link they minted, in the requester’s name (`onBehalfOf`); it moved the ticket as the requester’s words do, and is no response',
      }),
      id: Type.Optional(Type.String()),
      name: Type.Optional(Type.String()),
      onBehalfOf: Type.Optional(Type.Object({ kind: Type.Literal('requester'), id: Type.String() }, { description: 'Whose name a staff member wrote in (`kind: staff` only)' })),
    }),
    visibility: StringEnum(['public', 'internal'] as const),
    channel: Channel,
    body: Type.String(),
    attachmentIds: Type.Array(Type.String({ format: 'uuid' })),
    emailMessageId: Type.Optional(
      Type.String({ description: 'Staff only: the Message-ID of the mail this message came from (a reply, or the mail a ticket was filed from)' }),
    ),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Message' },
);
export type MessageView = Static<typeof MessageView>;

export const PostedMessageView = Type.Object({
  message: Type.Ref('Message'),
  ticket: Type.Ref('Ticket'),
  notes: Type.Array(Type.String(), { description: 'Notes added for the requester, e.g. particulars moved to the vault (P9)' }),
});

/** The most entries a page of a thread or history holds, and how many a page holds when not asked. */
export const TICKET_LOG_MAX_LIMIT = 200;
export const TICKET_LOG_DEFAULT_LIMIT = 100;

/** A page of a ticket's thread or history: oldest first, `limit` at a time, on from `cursor`. */
export const TicketLogQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000, description: 'The nextCursor of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: TICKET_LOG_MAX_LIMIT, default: TICKET_LOG_DEFAULT_LIMIT, description: 'Entries a page holds' }),
  },
  { additionalProperties: false },
);

const NextCursor = Type.Optional(Type.String({ description: 'Pass as `cursor` for the next page; absent on the last page' }));

export const ThreadView = Type.Object({
  ticketId: Type.String({ format: 'uuid' }),
  reference: Type.String(),
  request: Type.Object(
    {
      subject: Type.String(),
      description: Type.String(),
      stepsToReproduce: Type.Optional(Type.String()),
      product: Type.Optional(Product),
      productVersion: Type.Optional(Type.String()),
      browser: Type.Optional(Type.String()),
      operatingSystem: Type.Optional(Type.String()),
      operatingSystemVersion: Type.Optional(Type.String()),
      connectivity: Type.Optional(Type.String()),
      antivirus: Type.Optional(Type.String()),
      receivedAt: Type.String({ format: 'date-time' }),
    },
    { description: 'The request as filed (P2), access particulars masked (P9)' },
  ),
  items: Type.Array(Type.Ref('Message'), { description: 'Oldest first, a page at a time' }),
  nextCursor: NextCursor,
});

export const HistoryView = Type.Object({
  ticketId: Type.String({ format: 'uuid' }),
  items: Type.Array(
    Type.Object({
      at: Type.String({ format: 'date-time' }),
      actor: Type.Object({
        kind: StringEnum(['partner', 'requester', 'staff', 'service', 'system', 'email_sender'] as const, {
          description: "`email_sender`: the sender of a mail threaded onto the ticket from an address other than the requester's; `id` is that address",
        }),
        id: Type.String(),
      }),
      action: Type.String({ description: 'What happened: the ticket event it recorded (`status_changed`, …) or an audited act (`credential_revealed`)' }),
      detail: Type.Record(Type.String(), Type.Unknown()),
      sequence: Type.Optional(Type.Integer()),
      visibility: StringEnum(['public', 'internal'] as const, {
        description: "`internal`: about what only staff see (an internal note's credential, P9), shown to staff only; every other entry is `public`",
      }),
    }),
    { description: 'Oldest first, a page at a time' },
  ),
  nextCursor: NextCursor,
});

/** Schemas every part's routes may `$ref` (`Type.Ref('Ticket')`): added once, where the parts are registered. */
export const SHARED_SCHEMAS = [TicketView, TicketSummaryView, MessageView] as const;
