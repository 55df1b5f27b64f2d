import { Type } from '@sinclair/typebox';
import { defineEvent } from '../event-contract';
import { Channel, Instant, Product, ReferralTarget, RequestDetailName, ServiceLevel, TicketStatus, Uuid } from '../domain-values';
import { Language, SupportCategoryCode, ThirdPartyKind } from '../support-catalogue';
import { AttachmentRefusalReason, MAX_REFUSED_ATTACHMENTS_PER_EVENT } from '../attachment-refusal';
import { MAX_ATTACHMENTS_PER_REPLY_EVENT } from '../replied-attachment';

/** Every ticket event carries the partner (tenancy) and a per-ticket sequence set in intake's transaction. */
const TicketEventBase = {
  partnerId: Uuid,
  sequence: Type.Integer({ minimum: 1 }),
};

export const TicketCreatedV1 = defineEvent(
  'ticket.created',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    reference: Type.String({ minLength: 1 }),
    channel: Channel,
    /** Absent when a mail or call did not name it (listed in missingDetails). */
    product: Type.Optional(Product),
    productVersion: Type.Optional(Type.String()),
    level: ServiceLevel,
    subject: Type.String(),
    requester: Type.Object({ email: Type.Optional(Type.String()), name: Type.Optional(Type.String()), id: Type.Optional(Type.String()) }),
    missingDetails: Type.Array(Type.String()),
    receivedAt: Instant,
    linkedTicketId: Type.Optional(Uuid),
    language: Type.Optional(Language),
    /** P5: false while the level is the filer's suggestion. */
    levelConfirmed: Type.Optional(Type.Boolean()),
    /**
     * P5: true when the filer named the level, false when it is the channel's default (a mail never
     * names one). Absent from an intake older than this field: notification then says neither.
     */
    levelRequested: Type.Optional(Type.Boolean()),
    /**
     * P8: the Message-ID of the requester's mail that filed the ticket (channel `email`: a new
     * request, or a reply to a closed ticket that files its follow-up), as `notification.email_received`
     * named it: the acknowledgment answers that very mail. Optional (added 2026-12-04, docs/adr/0004:
     * not breaking); absent (an API ticket, an older intake), notification threads as before.
     */
    openingMessageId: Type.Optional(Type.String({ minLength: 1 })),
    /** P9: how many access particulars the request held, moved to the vault and masked: the acknowledgment tells the requester. */
    credentialsVaulted: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  'A request was registered (P2, P3): the ticket exists with its reference number.',
);

export const TicketAcceptedV1 = defineEvent(
  'ticket.accepted',
  1,
  'ticket-intake',
  Type.Object({ ...TicketEventBase, acceptedAt: Instant, via: Type.Union([Type.Literal('api'), Type.Literal('acknowledgment')]) }),
  'The request counts as accepted (P3): acknowledged to the requester.',
);

export const TicketMessageReceivedV1 = defineEvent(
  'ticket.message_received',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    messageId: Uuid,
    channel: Channel,
    receivedAt: Instant,
    attachmentIds: Type.Array(Uuid),
    /** P9: how many access particulars the requester's message held, moved to the vault and masked: notification tells them by mail. */
    credentialsVaulted: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  'The requester added to the thread (P8).',
);

export const TicketAttachmentsRefusedV1 = defineEvent(
  'ticket.attachments_refused',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    /** The thread message the mail became (the requester's message, or the note of a ticket filed from it). */
    messageId: Uuid,
    channel: Channel,
    /** Whether the mail came from the requester's own address: only then is the requester mailed about it. */
    fromRequester: Type.Boolean(),
    files: Type.Array(
      Type.Object({
        fileName: Type.String({ minLength: 1, maxLength: 500 }),
        reason: AttachmentRefusalReason,
        maxFiles: Type.Optional(Type.Integer({ minimum: 1 })),
        /** `file_too_large`: the most bytes one file may have (ATTACHMENT_MAX_FILE_BYTES). */
        maxFileBytes: Type.Optional(Type.Integer({ minimum: 1 })),
        /** `message_too_large`: the most bytes one mail's files may add up to (ATTACHMENT_MAX_MESSAGE_BYTES). */
        maxMessageBytes: Type.Optional(Type.Integer({ minimum: 1 })),
      }),
      { minItems: 1, maxItems: MAX_REFUSED_ATTACHMENTS_PER_EVENT },
    ),
    /** The size limits the mail's files were held to (ATTACHMENT_MAX_FILE_BYTES, ATTACHMENT_MAX_MESSAGE_BYTES): the mail to the requester names them. */
    attachmentLimits: Type.Optional(Type.Object({ maxFileBytes: Type.Integer({ minimum: 1 }), maxMessageBytes: Type.Integer({ minimum: 1 }) })),
    refusedAt: Instant,
  }),
  'P8: attachments of a mail were not accepted (type, archive, size or count): the thread says so, and the requester is told by mail how to send them.',
);

export const TicketRespondedV1 = defineEvent(
  'ticket.responded',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    messageId: Uuid,
    respondedAt: Instant,
    authorId: Type.String(),
    /** The reply as the thread shows it (credentials masked, P9): what notification mails the requester (docs/adr/0035-mail.md). */
    body: Type.Optional(Type.String({ maxLength: 20_000 })),
    /** `body` holds only the reply's first 20,000 units (the thread keeps it whole): the mail says so and links the thread. */
    bodyCut: Type.Optional(Type.Boolean()),
  }),
  "An agent's public reply: a response owed under P5 was given.",
);

/**
 * Every public message an agent posts on the thread, whether or not a response was owed (P8: the
 * requester reads every answer by mail): `ticket.responded` keeps its P5 meaning and is published
 * beside this one for the reply that gave a response owed. Published with the message, in its
 * transaction (docs/adr/0035, addendum of 2026-12-05, first session).
 */
export const TicketAgentRepliedV1 = defineEvent(
  'ticket.agent_replied',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    /** The thread message: one per message, so a consumer de-duplicates by it (notification mails it once). */
    messageId: Uuid,
    authorId: Type.String(),
    repliedAt: Instant,
    /** The reply as the thread shows it (credentials masked, P9), as `ticket.responded` carries it. */
    body: Type.Optional(Type.String({ maxLength: 20_000 })),
    /** `body` holds only the reply's first 20,000 units (the thread keeps it whole): the mail says so and links the thread. */
    bodyCut: Type.Optional(Type.Boolean()),
    /**
     * The files the reply carries, in the message's order: each id, its name as the thread shows it
     * (credentials masked, P9) and its size in bytes, so the requester's mail names them and links their
     * download on the support site. Absent when it carries none. Optional (added 2026-12-05, docs/adr/0004:
     * not breaking); an older intake never sends it, and its mail names no file.
     */
    attachments: Type.Optional(
      Type.Array(Type.Object({ id: Uuid, fileName: Type.String({ minLength: 1, maxLength: 500 }), size: Type.Integer({ minimum: 0 }) }), {
        minItems: 1,
        maxItems: MAX_ATTACHMENTS_PER_REPLY_EVENT,
      }),
    ),
  }),
  "An agent's public message on the thread (P8): every one, the first answer and each later one; the requester is mailed it.",
);

export const TicketStatusChangedV1 = defineEvent(
  'ticket.status_changed',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    from: TicketStatus,
    to: TicketStatus,
    reason: Type.Optional(Type.String()),
    changedAt: Instant,
    /**
     * P10: on a wait on the requester (`to` awaiting_customer), the agent's note: what the requester is
     * asked, as the history keeps it (credentials masked, P9). Notification mails it (docs/adr/0035-mail.md).
     */
    question: Type.Optional(Type.String({ maxLength: 20_000 })),
  }),
  'Status moved (P10: the reason says whose side a wait is on).',
);

export const TicketLevelChangedV1 = defineEvent(
  'ticket.level_changed',
  1,
  'ticket-intake',
  Type.Object({ ...TicketEventBase, from: ServiceLevel, to: ServiceLevel, confirmed: Type.Boolean(), changedAt: Instant }),
  'Reclassified or confirmed (P5); referral to development is a change to `development`.',
);

export const TicketCategoryChangedV1 = defineEvent(
  'ticket.category_changed',
  1,
  'ticket-intake',
  Type.Object({ ...TicketEventBase, from: Type.Optional(SupportCategoryCode), to: SupportCategoryCode, changedAt: Instant }),
  'P6: an agent put the ticket in a category of the catalogue.',
);

export const TicketDetailsChangedV1 = defineEvent(
  'ticket.details_changed',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    /** The details this change recorded; read their values with GET /v1/tickets/{id}. */
    changed: Type.Array(RequestDetailName, { minItems: 1 }),
    /** The product and version as they now are, as `ticket.created` carries them: projections overwrite theirs. */
    product: Type.Optional(Product),
    productVersion: Type.Optional(Type.String()),
    /** What the request still lacks (P2), as `ticket.created` lists it. */
    missingDetails: Type.Array(Type.String()),
    changedAt: Instant,
  }),
  'P2: staff recorded request details the request lacked, or corrected them; what is still missing is listed.',
);

export const TicketAssignedV1 = defineEvent(
  'ticket.assigned',
  1,
  'ticket-intake',
  Type.Object({ ...TicketEventBase, assigneeId: Type.String(), assignedAt: Instant }),
  'An agent took the ticket.',
);

export const TicketUnassignedV1 = defineEvent(
  'ticket.unassigned',
  1,
  'ticket-intake',
  Type.Object({ ...TicketEventBase, previousAssigneeId: Type.String(), unassignedAt: Instant }),
  'P4: the ticket went back to the unassigned queue; nobody works it now.',
);

export const TicketAcknowledgmentFailedV1 = defineEvent(
  'ticket.acknowledgment_failed',
  1,
  'ticket-intake',
  Type.Object({ ...TicketEventBase, reason: Type.String({ maxLength: 1_000 }), failedAt: Instant }),
  'P3: the automatic acknowledgment with the reference number could not be delivered (refused for good, or its retries spent): the requester has no reference by mail.',
);

export const TicketTeamLeaderRequestedV1 = defineEvent(
  'ticket.team_leader_requested',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    messageId: Type.Optional(Uuid),
    requestedAt: Instant,
    /** The subject and text that asked, cut to 2,000 characters, for the team leader's notice. */
    quote: Type.Optional(Type.String({ maxLength: 2000 })),
  }),
  'P7: "Attention Technical Support Team Leader" was found in a subject or body.',
);

export const TicketResolvedV1 = defineEvent(
  'ticket.resolved',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    resolvedAt: Instant,
    reopenWindowEndsAt: Instant,
    /** P9: the vault held access particulars the requester's side sees (not an internal note's, docs/adr/0026): the resolved mail asks the requester to change them. */
    credentialsHeld: Type.Optional(Type.Boolean()),
  }),
  'Resolved (P11: a rating is invited, the reopen window opens; P9: credentials expire).',
);

export const TicketReopenedV1 = defineEvent(
  'ticket.reopened',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    reopenedAt: Instant,
    reason: Type.Optional(Type.String()),
    /** P9: how many access particulars a "not solved" rating's comment held, moved to the vault: the reopened mail tells the requester. */
    credentialsVaulted: Type.Optional(Type.Integer({ minimum: 1 })),
    /**
     * The survey whose "not solved" rating reopened the ticket: rating keeps that rating (a rating
     * taken after any other reopening is withdrawn, `rating.withdrawn`). Added 2026-12-05 (optional).
     */
    ratingSurveyId: Type.Optional(Uuid),
  }),
  'P11: closed too early; a response is owed again.',
);

export const TicketClosedV1 = defineEvent(
  'ticket.closed',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    closedAt: Instant,
    reason: Type.String(),
    thirdParty: Type.Optional(ThirdPartyKind),
    /** P9: an out-of-scope closure of a ticket whose vault held access particulars the requester's side sees: the closure mail asks the requester to change them. */
    credentialsHeld: Type.Optional(Type.Boolean()),
  }),
  'Closed: after the reopen window, or out of scope (P6: the reason and the third party to turn to).',
);

export const TicketCredentialsDestroyedV1 = defineEvent(
  'ticket.credentials_destroyed',
  1,
  'ticket-intake',
  Type.Object({ ...TicketEventBase, credentialId: Uuid, destroyedAt: Instant }),
  'P9: temporary access particulars and their data key were destroyed.',
);

/**
 * P9: particulars handed over on a resolved ticket are due for destruction with the resolution's
 * (docs/adr/0026): `ticket.resolved` told the requester before they existed, so this tells them
 * (notification mails it). Not published for particulars handed over on a ticket at work: the
 * resolution's `credentialsHeld` covers those.
 */
export const TicketCredentialsStoredAfterResolutionV1 = defineEvent(
  'ticket.credentials_stored_after_resolution',
  1,
  'ticket-intake',
  Type.Object({ ...TicketEventBase, credentialId: Uuid, destroyAfter: Instant }),
  'P9: access particulars were handed over after the ticket was resolved; they are destroyed at `destroyAfter` (the resolution\'s deadline, or at once if that is past), and the requester is told to change them.',
);

export const TicketReferralRejectedV1 = defineEvent(
  'ticket.referral_rejected',
  1,
  'ticket-intake',
  Type.Object({ ...TicketEventBase, referralId: Uuid, reason: Type.String() }),
  'A referral asked by escalation could not be applied.',
);

export const TicketReferralAppliedV1 = defineEvent(
  'ticket.referral_applied',
  1,
  'ticket-intake',
  Type.Object({
    ...TicketEventBase,
    referralId: Uuid,
    target: ReferralTarget,
    appliedAt: Instant,
  }),
  'A referral asked by escalation was applied (with the level or status change it made, if any).',
);
