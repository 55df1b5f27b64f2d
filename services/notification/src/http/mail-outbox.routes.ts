import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import { failureResponses, withoutLinkSecrets, type AccessRule } from '@tss/service-kit';
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
    kind: Type.String({ description: '`acknowledgment`, `agent_reply`, `information_requested`, `resolved`, `rating_invitation`, `reopened`, `closed_out_of_scope`, `attachments_refused`, `credentials_vaulted` (to the requester); `escalation_notice`, `webhook_endpoint_disabled` (to staff)' }),
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
    ticketId: Type.Optional(Type.String({ format: 'uuid' })),
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
        response: { 200: Type.Object({ items: Type.Array(MailView) }), ...failureResponses('bad_request') },
      },
      config: { access: READ_MAIL },
    },
    async (request) => ({ items: (await mailStore.latest(deps.dataSource.manager, { limit: request.query.limit, ticketId: request.query.ticketId })).map(toView) }),
  );
};
