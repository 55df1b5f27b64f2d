import { Type } from '@sinclair/typebox';
import { defineEvent } from '../event-contract';
import { Instant, Uuid } from '../domain-values';
import { Language } from '../support-catalogue';

const MailAttachmentPointer = Type.Object({
  storageKey: Type.String(),
  filename: Type.String(),
  contentType: Type.String(),
  /** Bytes stored, and their SHA-256 (hex), as the blob storage computed them while writing (issue #11). */
  size: Type.Optional(Type.Integer({ minimum: 0 })),
  sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
});

export const NotificationEmailReceivedV1 = defineEvent(
  'notification.email_received',
  1,
  'notification',
  Type.Object({
    partnerId: Type.Optional(Uuid),
    ticketId: Type.Optional(Uuid),
    messageId: Type.String(),
    from: Type.String(),
    /**
     * The From display name, one line (control characters become spaces), at most 200 characters:
     * the requester's name on a ticket the mail files. Optional (added 2026-12-04, docs/adr/0004: not breaking).
     */
    fromName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** P9: with any access particulars cut out (`[access particulars removed]`), as notification keeps it. */
    subject: Type.String(),
    /** P9: with any access particulars cut out, as notification keeps it. */
    text: Type.String(),
    /**
     * P9: the subject and text as written, present only when they held access particulars, for
     * intake to vault and mask. In transit only (`IN_TRANSIT_FIELD`, docs/adr/0070): removed from
     * the outbox once published and from the in-process log once consumed.
     */
    inTransit: Type.Optional(
      Type.Object({
        subject: Type.String(),
        text: Type.String(),
        /** P9: the files as named, present only when a name held access particulars (`attachmentPointers` then carry the names masked). */
        attachmentPointers: Type.Optional(Type.Array(MailAttachmentPointer)),
      }),
    ),
    /** The mail's files; a name that held access particulars reads `[access particulars removed]` (its extension kept). */
    attachmentPointers: Type.Array(MailAttachmentPointer),
    receivedAt: Instant,
    /**
     * The language the mail is written in, as notification read it (`ru` when its letters are mainly
     * Cyrillic, words of ours in a reply's subject not counted): the new request it files is in that
     * language, and so is all its mail; a follow-up of a closed ticket keeps that ticket's. Optional (added
     * 2026-12-04, docs/adr/0004: not breaking); absent, intake files in its default, `en`.
     */
    language: Type.Optional(Language),
    /**
     * P2: whether the mail has words of its own: `false` when all it holds is a quote header, quoted
     * lines, a signature or white space (its `text` is then as it came, the history kept rather than
     * nothing). Such a mail describes nothing: threaded, it describes no request filed without a
     * description; filing a ticket (a new request, a follow-up), it files one with an empty
     * description. Optional (added 2026-12-05, docs/adr/0004: not breaking; on mail that files a
     * ticket since the sixth session); absent (an older notification's), intake goes by `text` alone.
     */
    ownText: Type.Optional(Type.Boolean()),
  }),
  'P8: an inbound mail; intake threads it onto a ticket or opens one (subject = ticket id or message id).',
);
export const NotificationAcknowledgmentSentV1 = defineEvent(
  'notification.acknowledgment_sent',
  1,
  'notification',
  Type.Object({ partnerId: Uuid, reference: Type.String(), channel: Type.String(), sentAt: Instant }),
  'P3: the automatic acknowledgment with the reference number was handed over for delivery.',
);
export const NotificationDeliveryFailedV1 = defineEvent(
  'notification.delivery_failed',
  1,
  'notification',
  Type.Object({ partnerId: Type.Optional(Uuid), kind: Type.String(), attempts: Type.Integer(), reason: Type.String(), failedAt: Instant }),
  'A mail or webhook delivery gave up after its retries.',
);
export const NotificationWebhookEndpointDisabledV1 = defineEvent(
  'notification.webhook_endpoint_disabled',
  1,
  'notification',
  Type.Object({
    endpointId: Uuid,
    /** Absent for an internal system's endpoint (subscribed to all partners). */
    partnerId: Type.Optional(Uuid),
    ownerKind: Type.Union([Type.Literal('partner'), Type.Literal('staff')]),
    /** The partner client or staff member who created it: whom to tell. */
    createdBy: Type.String(),
    url: Type.String(),
    failingSince: Instant,
    reason: Type.String(),
    disabledAt: Instant,
  }),
  'Issue #11: a webhook endpoint whose every attempt failed for 5 days was disabled (subject = endpoint id).',
);
/**
 * Not published to the event bus and not subscribable: notification sends it to one webhook
 * endpoint when its owner asks (`POST /v1/webhooks/endpoints/{id}/ping`), so a receiver can test
 * its signature check. A contract all the same, so its envelope validates like every delivery's.
 */
export const WebhookPingV1 = defineEvent(
  'webhook.ping',
  1,
  'notification',
  Type.Object({ endpointId: Uuid }),
  'A test delivery to one webhook endpoint, asked for by its owner (subject = endpoint id); tried once, never queued for subscribers.',
);
