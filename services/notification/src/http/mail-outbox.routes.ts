import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Text, ticketKeyOf } from '@tss/contracts';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import type { UnitOfWork } from '@tss/messaging';
import { failureResponses, scopeOf, sendFailure, withoutLinkSecrets, type AccessRule, type Clock, type TargetRefusal } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import { inboundStore } from '../store/inbound.store';
import { mailStore, type MailRow } from '../store/mail.store';
import { listOutgoingMail } from '../use-cases/mail-outbox';
import { NO_SUCH_OUTGOING_MAIL, resendFailedMail } from '../use-cases/mail-resend';

/**
 * Mail carries requesters' addresses and words: admins, and agents who answer them. Not the
 * requester's links: their credentials are withheld (`withoutLinkSecrets`), so no reader rates or
 * writes on the site as the requester (docs/adr/0040, addendum of 2026-12-04, fifth session).
 */
const READ_MAIL: AccessRule = { kinds: ['staff'], roles: ['admin', 'agent', 'team_lead'] };
/** Sending a failed mail again is an operator's act on the mail system (docs/adr/0035, addendum of 2026-12-05, seventh session). */
const RESEND_MAIL: AccessRule = { kinds: ['staff'], roles: ['admin'] };

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
    status: Type.String({
      description:
        '`pending` (queued, retrying, or waiting while the SMTP server refuses our login: `lastError` says so, and it goes once the configuration is right), `sent` (handed to SMTP or kept locally), `failed` (an admin may send it again: `POST /v1/mail/outbox/{id}/retry`)',
    }),
    transport: Type.Optional(Type.String({ description: '`smtp`, or `local` when no SMTP server is configured' })),
    heldInLine: Type.Optional(
      Type.Boolean({
        description:
          'Present, true, while a pending mail waits behind an earlier mail of its ticket that has not ended: a ticket’s requester mails go in the order queued (the acknowledgment first). It goes once that one is sent or fails for good, a day after it was queued at the latest; until then it makes no attempt',
      }),
    ),
    attempts: Type.Integer({ description: 'Every attempt so far; attempts the SMTP server refused for our session (our login, TLS, our sender address) do not count towards the 8 after which a mail fails' }),
    lastError: Type.Optional(Type.String({ description: "The SMTP server's answer to the last attempt that failed (kept once the mail is sent again)" })),
    createdAt: Type.String({ format: 'date-time' }),
    sentAt: Type.Optional(Type.String({ format: 'date-time' })),
    resentAt: Type.Optional(Type.String({ format: 'date-time', description: 'When an admin sent the mail again after it had failed' })),
    resentBy: Type.Optional(Type.String({ description: 'The staff member who sent it again' })),
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
    cursor: Type.Optional(Text({ minLength: 1, maxLength: 500, description: 'The nextCursor of the previous page (bound to the same ticketId filter and to its reader)' })),
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
  ...(m.status === 'pending' && m.held ? { heldInLine: true } : {}),
  attempts: m.attempts,
  ...(m.lastError ? { lastError: withoutLinkSecrets(m.lastError) } : {}),
  createdAt: m.createdAt.toISOString(),
  ...(m.sentAt ? { sentAt: m.sentAt.toISOString() } : {}),
  ...(m.resentAt ? { resentAt: m.resentAt.toISOString() } : {}),
  ...(m.resentBy ? { resentBy: m.resentBy } : {}),
});

const RetryParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'The mail’s id, as the outbox lists it' }) });

export interface MailOutboxRouteDeps {
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  timers: TimerStore;
  clock: Clock;
  logger: Logger;
}

/**
 * GET /v1/mail/outbox: the mail TSS sent or is sending, newest first, in pages (the local outbox when
 * no SMTP is configured); POST /v1/mail/outbox/{id}/retry: an admin sends a failed mail again.
 */
export const mailOutboxRoutes = (deps: MailOutboxRouteDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(MailView);
  // How the retry finds its mail, for the app's precondition hook: a missing one is its 404 with or without If-Match (RFC 9110 §13.2.1).
  const mailFound: TargetRefusal = async (request, reply) =>
    (await mailStore.exists(deps.dataSource.manager, (request.params as { id: string }).id)) ? undefined : sendFailure(reply, NO_SUCH_OUTGOING_MAIL);
  app.get(
    '/v1/mail/outbox',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'listOutgoingMail',
        summary: 'Outgoing mail, newest first: acknowledgments and replies with their delivery status (staff); older pages follow `nextCursor`',
        querystring: OutboxQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Type.Ref('OutgoingMail')),
            nextCursor: Type.Optional(Type.String({ description: 'Present when older mail follows: pass it as `cursor` for the next page' })),
          }),
          ...failureResponses('bad_request', 'invalid_reference'),
        },
      },
      config: { access: READ_MAIL },
    },
    async (request, reply) => {
      const { limit, ticketId: asked, cursor } = request.query;
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
      const page = await listOutgoingMail(db, { kind: 'staff', staffId: scopeOf(request, 'staff').staffId }, { limit, ticketId, ...(cursor === undefined ? {} : { cursor }) });
      if (!page.ok) return sendFailure(reply, page.error);
      return { items: page.value.items.map(toView), ...(page.value.nextCursor ? { nextCursor: page.value.nextCursor } : {}) };
    },
  );

  app.post(
    '/v1/mail/outbox/:id/retry',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'retryOutgoingMail',
        summary: 'Send a failed mail again, now, with a fresh round of attempts (admin)',
        description:
          'docs/adr/0035 (addendum of 2026-12-05, seventh session): for mail that failed for good, such as mail a release before 2026-12-05 failed when the SMTP server refused our login ("535 bad password"), ' +
          'or a recipient the server refused who exists now. The mail goes as it was written (same Message-ID), once its next attempt is sent; `attempts` goes on, ' +
          'the 8 attempts after which it fails count afresh, `lastError` keeps why it failed, `resentBy` and `resentAt` say who sent it again. ' +
          'An acknowledgment sent this way is published as `notification.acknowledgment_sent`, and the request counts as accepted (P3). A mail sent or pending is a 409 that changes nothing.',
        params: RetryParams,
        response: {
          202: Type.Ref('OutgoingMail'),
          ...failureResponses('not_found'),
          409: { $ref: 'Problem#', description: '`conflict`: the mail is not failed (sent: it would arrive twice; pending: it is being sent)' },
        },
      },
      config: { access: RESEND_MAIL, preconditions: { refusedFirst: mailFound } },
    },
    async (request, reply) => {
      const by = scopeOf(request, 'staff').staffId;
      const resent = await deps.unitOfWork.run((tx) => resendFailedMail(tx, deps.timers, { mailId: request.params.id, by, at: deps.clock.now() }));
      if (!resent.ok) return sendFailure(reply, resent.error);
      deps.logger.info({ mailId: resent.value.id, kind: resent.value.kind, ticketId: resent.value.ticketId, attempts: resent.value.attempts, resentBy: by }, 'failed mail sent again by an admin');
      return reply.code(202).send(toView(resent.value));
    },
  );
};
