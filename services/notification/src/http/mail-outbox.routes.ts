import type { FastifyInstance } from 'fastify';
import { ticketKeyOf } from '@tss/contracts';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import { failureResponses, sendFailure, withoutLinkSecrets, type AccessRule } from '@tss/service-kit';
import { inboundStore } from '../store/inbound.store';
import { mailStore, type MailRow } from '../store/mail.store';

/**
 * Mail carries requesters' addresses and words: admins, and agents who answer them. Not the
 * requester's links: their credentials are withheld (`withoutLinkSecrets`), so no reader rates or
 * writes on the site as the requester (docs/adr/0040, addendum of 2026-12-04, fifth session).
 */
const READ_MAIL: AccessRule = { kinds: ['staff'], roles: ['admin', 'agent', 'team_lead'] };

const MailView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    ticketId: Type.Optional(Type.String({ format: 'uuid' })),
    kind: Type.String({ description: '`acknowledgment`, `agent_reply`, `information_requested`, `resolved`, `rating_invitation`, `reopened`, `closed_out_of_scope`, `attachments_refused`, `credentials_vaulted`, `credentials_after_resolution` (to the requester); `escalation_notice`, `webhook_endpoint_disabled` (to staff)' }),
    to: Type.String(),
    language: Type.String(),
    messageId: Type.String({ description: 'RFC 5322 Message-ID; a reply naming it threads onto the ticket (P8)' }),
    subject: Type.String(),
    text: Type.String({ description: 'The plain body as sent, except that each link credential (the token of a `/rate/…` or `/support/t/…` address) reads `[withheld]`' }),
    html: Type.String({ description: 'The HTML body as sent, link credentials withheld as in `text`' }),
    status: Type.String({ description: '`pending` (queued or retrying), `sent` (handed to SMTP or kept locally), `failed`' }),
    transport: Type.Optional(Type.String({ description: '`smtp`, or `local` when no SMTP server is configured' })),
    attempts: Type.Integer(),
    lastError: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    sentAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'OutgoingMail' },
);

const OutboxQuery = Type.Object(
  {
    ticketId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Only this ticket\'s mail: its id (uuid) or its reference number (TSS-XXXXX-XXXXC, any case, dashes optional); a ticket notification does not know has none',
        examples: ['TSS-K7QM2-ZC4XD'],
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const toView = (m: MailRow) => ({
  id: m.id,
  ...(m.ticketId ? { ticketId: m.ticketId } : {}),
  kind: m.kind,
  to: m.recipient,
  language: m.language,
  messageId: m.messageId,
  subject: withoutLinkSecrets(m.subject),
  text: withoutLinkSecrets(m.textBody),
  html: withoutLinkSecrets(m.htmlBody),
  status: m.status,
  ...(m.transport ? { transport: m.transport } : {}),
  attempts: m.attempts,
  ...(m.lastError ? { lastError: withoutLinkSecrets(m.lastError) } : {}),
  createdAt: m.createdAt.toISOString(),
  ...(m.sentAt ? { sentAt: m.sentAt.toISOString() } : {}),
});

/** GET /v1/mail/outbox: the mail TSS sent or is sending, newest first (the local outbox when no SMTP is configured). */
export const mailOutboxRoutes = (deps: { dataSource: DataSource }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/mail/outbox',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'listOutgoingMail',
        summary: 'Outgoing mail, newest first: acknowledgments and replies with their delivery status (staff)',
        querystring: OutboxQuery,
        response: { 200: Type.Object({ items: Type.Array(MailView) }), ...failureResponses('bad_request', 'invalid_reference') },
      },
      config: { access: READ_MAIL },
    },
    async (request, reply) => {
      const { limit, ticketId: asked } = request.query;
      const db = deps.dataSource.manager;
      // docs/api.md §3: a ticket by id or reference; a reference notification never saw filters to nothing, as an unknown id does.
      const key = asked === undefined ? undefined : ticketKeyOf(asked);
      if (asked !== undefined && key === undefined) {
        return sendFailure(reply, {
          kind: 'invalid_reference',
          detail: `ticketId "${asked.slice(0, 40)}" is neither a ticket id nor a valid reference number (TSS-XXXXX-XXXXC; its last character is a check character).`,
        });
      }
      const ticketId = key === undefined ? undefined : 'id' in key ? key.id : (await inboundStore.ticketOfReference(db, key.reference))?.ticketId;
      if (key !== undefined && ticketId === undefined) return { items: [] };
      return { items: (await mailStore.latest(db, { limit, ticketId })).map(toView) };
    },
  );
};
