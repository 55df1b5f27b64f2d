import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import { conditionsOf, failureResponses, problemType, scopeOf, sendFailure, sendProblem, withoutAccessParticulars, withoutLinkSecrets, namedPlugin, type AccessRule, type Failure, type TargetRefusal } from '@tss/service-kit';
import { inboundStore } from '../store/inbound.store';
import { receiveInboundMail, type ReceiveInboundDeps } from '../use-cases/inbound-receive';
import { releaseTargetOf } from '../domain/inbound-release';
import { NO_SUCH_MAIL, releaseQuarantinedMail } from '../use-cases/inbound-release';
import { giveDomainToPartner } from '../use-cases/partner-mail-domains';

export const INBOUND_SECRET_HEADER = 'x-tss-inbound-secret';

const READ_QUARANTINE: AccessRule = { kinds: ['staff'], roles: ['admin', 'agent', 'team_lead'] };
const ADMIN: AccessRule = { kinds: ['staff'], roles: ['admin'] };

export interface InboundRouteDeps extends ReceiveInboundDeps {
  dataSource: DataSource;
  /** The shared secret inbound-mail providers send; unset: the route refuses every call. */
  secret?: string;
  maxMessageBytes: number;
}

const InboundReceipt = Type.Object(
  {
    inboundId: Type.String({ format: 'uuid' }),
    outcome: Type.String({
      description:
        '`threaded` (onto `ticketId`), `follow_up` (P11: a reply to a ticket that no longer takes mail, closed or past its reopen window, named by `followUpOf`: intake gives it to that ticket\'s open follow-up, else files a new ticket linked to it; no `ticketId`, the follow-up is not known when the mail is received; since 2026-12), `new_ticket` (the partner of the sender domain gets one), `quarantined` (listed for agents, never acknowledged), `ignored` (auto-reply or bounce)',
    }),
    duplicate: Type.Boolean({ description: 'This Message-ID was received before; nothing was done again' }),
    ticketId: Type.Optional(Type.String({ format: 'uuid', description: 'With `threaded`: the ticket the mail was threaded onto' })),
    reason: Type.Optional(Type.String()),
    followUpOf: Type.Optional(
      Type.String({
        description:
          'With `follow_up` (P11): the ticket the mail names is closed (or past its reopen window), so the mail goes to its follow-up: the open one, else a new ticket linked to it, acknowledged as an answer to this mail. The closed ticket’s reference',
      }),
    ),
  },
  { $id: 'InboundMailReceipt' },
);

const QuarantinedMail = Type.Object({
  inboundId: Type.String({ format: 'uuid' }),
  messageId: Type.String(),
  from: Type.String(),
  fromName: Type.Optional(Type.String({ description: "The From display name (kept since 2026-12; none for a name that read as access particulars, P9): the requester's name on a ticket filed by releasing it" })),
  subject: Type.String(),
  text: Type.String(),
  reason: Type.Optional(Type.String()),
  receivedAt: Type.String({ format: 'date-time' }),
});

const ReleaseParams = Type.Object({ inboundId: Type.String({ format: 'uuid' }) });
const ReleaseBody = Type.Object(
  {
    partnerId: Type.Optional(Type.String({ format: 'uuid', description: 'File the mail as a new ticket for this partner (registered and active, else a 422)' })),
    ticketId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Thread the mail onto this ticket: its id (uuid) or its reference number (TSS-XXXXX-XXXXC, any case, dashes optional); one notification knows, of a partner not deactivated, else a 422',
      }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of partnerId and ticketId', examples: [{ partnerId: '3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6f' }, { ticketId: '9b2e4f10-6c1d-4e8a-b7f3-2d5c8a1e0f94' }] },
);
const InboundRelease = Type.Object({
  inboundId: Type.String({ format: 'uuid' }),
  outcome: Type.Union([Type.Literal('new_ticket'), Type.Literal('threaded')], { description: '`new_ticket`: intake files it for `partnerId` and the sender is acknowledged; `threaded`: onto `ticketId`' }),
  partnerId: Type.String({ format: 'uuid' }),
  ticketId: Type.Optional(Type.String({ format: 'uuid' })),
  releasedBy: Type.String({ description: 'The staff member who released it' }),
  releasedAt: Type.String({ format: 'date-time' }),
});

const DomainParams = Type.Object({ domain: Type.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\\.)+[A-Za-z]{2,63}$', maxLength: 253 }) });
const PartnerDomain = Type.Object({ domain: Type.String(), partnerId: Type.String({ format: 'uuid' }), addedAt: Type.String({ format: 'date-time' }) });
const PutDomainBody = Type.Object(
  { partnerId: Type.String({ format: 'uuid', description: 'The partner whose people write from this domain: one the gateway registered and has not deactivated, else a 422' }) },
  { additionalProperties: false, examples: [{ partnerId: '3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6f' }] },
);

const NO_DOMAIN: Failure = { kind: 'not_found', detail: 'No partner has this mail domain.' };

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant-time comparison of the caller's secret with ours (their lengths leak nothing: both are hashed). */
const secretMatches = (expected: string | undefined, given: unknown): boolean =>
  expected !== undefined && typeof given === 'string' && timingSafeEqual(digest(expected), digest(given));

/**
 * The challenge of the inbound route's 401 (RFC 9110 §11.6.1, §15.5.2: every 401 carries one). The
 * secret is no bearer token, so the scheme is our own, named after the header it goes in
 * (docs/auth.md "Inbound mail").
 */
export const INBOUND_SECRET_CHALLENGE = 'TSS-Inbound-Secret realm="tss-inbound-mail"';

const unauthorized = (reply: FastifyReply) =>
  sendProblem(reply.header('www-authenticate', INBOUND_SECRET_CHALLENGE), {
    type: problemType('unauthorized'),
    title: 'Unauthorized',
    status: 401,
    detail: `The ${INBOUND_SECRET_HEADER} header is missing or wrong.`,
  });

/** The provider's secret, checked by the route itself: a wrong one is its 401 with or without If-Match (RFC 9110 §13.2.1, the app's precondition hook). */
const secretGiven =
  (deps: InboundRouteDeps): TargetRefusal =>
  async (request, reply) =>
    secretMatches(deps.secret, request.headers[INBOUND_SECRET_HEADER]) ? undefined : unauthorized(reply);

/** POST /v1/inbound/email: the only route that takes a raw mail body (message/rfc822, text/plain). */
const receiveRoute = (scope: FastifyInstance, deps: InboundRouteDeps): void => {
  scope.post(
    '/v1/inbound/email',
    {
      bodyLimit: deps.maxMessageBytes,
      schema: {
        tags: ['tickets'],
        operationId: 'receiveInboundEmail',
        summary: `Receive a raw RFC 5322 mail (message/rfc822 or text/plain) from an inbound-mail provider, authenticated by the ${INBOUND_SECRET_HEADER} header`,
        description:
          'P8: a reply threads onto its ticket by In-Reply-To/References or by a valid reference in the subject; quoted history and signatures are cut; auto-replies and bounces are ignored; unknown senders, new requests a mailing list carried (List-Id), senders whose domain belongs to another partner than the ticket the mail names, mail for a partner the gateway deactivated (new mail from its domains, replies naming its tickets), replies to staff mail (escalation notices) and mail from a staff address naming a ticket are quarantined.',
        headers: Type.Object({ [INBOUND_SECRET_HEADER]: Type.Optional(Type.String({ description: 'The shared secret MAIL_INBOUND_SECRET' })) }),
        response: { 202: { $ref: 'InboundMailReceipt#' }, 401: { $ref: 'Problem#' }, ...failureResponses('unprocessable') },
      },
      config: { public: true, preconditions: { refusedFirst: secretGiven(deps) } },
    },
    async (request: FastifyRequest, reply) => {
      if (!secretMatches(deps.secret, request.headers[INBOUND_SECRET_HEADER])) return unauthorized(reply);
      if (!Buffer.isBuffer(request.body) || request.body.length === 0) return sendFailure(reply, { kind: 'unprocessable', detail: 'The body is not a mail.' });
      const received = await receiveInboundMail(deps, request.body);
      if (!received.ok) return sendFailure(reply, received.error);
      return reply.code(202).send(received.value);
    },
  );
};

/** POST /v1/inbound/email (mail providers), the quarantine for agents and the partners' mail domains (admins). */
export const inboundRoutes = (deps: InboundRouteDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(InboundReceipt);
  // The raw message, as inbound-mail providers post it, is parsed by mailparser, not by fastify.
  // Its parsers live in a scope of their own (fastify encapsulation): registered beside the other
  // routes they handed the admins' PUT a buffer to validate, a 400 listing one error per byte.
  // How the quarantine release and the domain DELETE find what they act on, for the app's
  // precondition hook: a missing one is their 404 with or without If-Match (RFC 9110 §13.2.1).
  const mailFound: TargetRefusal = async (request, reply) =>
    (await inboundStore.exists(deps.dataSource.manager, (request.params as { inboundId: string }).inboundId)) ? undefined : sendFailure(reply, NO_SUCH_MAIL);
  const domainFound: TargetRefusal = async (request, reply) =>
    (await inboundStore.partnerOfDomain(deps.dataSource.manager, (request.params as { domain: string }).domain.toLowerCase())) ? undefined : sendFailure(reply, NO_DOMAIN);
  await app.register(
    namedPlugin('inboundMailReceive', async (mailScope: FastifyInstance) => {
      for (const type of ['message/rfc822', 'text/plain']) mailScope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: deps.maxMessageBytes }, (_request, body, done) => done(null, body));
      receiveRoute(mailScope, deps);
    }),
  );

  app.get(
    '/v1/inbound/quarantine',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'listQuarantinedMail',
        summary: 'Mail from unknown senders that opened no ticket and was never acknowledged, newest first (staff); access particulars in it are removed (P9), rating and support-site link credentials read `[withheld]`; a released mail leaves the list',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(QuarantinedMail) }) },
      },
      config: { access: READ_QUARANTINE },
    },
    async (request) => ({
      items: (await inboundStore.quarantined(deps.dataSource.manager, request.query.limit)).map((m) => ({
        inboundId: m.id,
        messageId: m.messageId,
        from: m.sender,
        ...(m.senderName ? { fromName: m.senderName } : {}),
        // P9: masked when stored; masked again for mail kept before it was (never listed in clear).
        // A requester's rating or site link in it is withheld, as in the outbox (docs/adr/0040).
        subject: withoutLinkSecrets(withoutAccessParticulars(m.subject)),
        text: withoutLinkSecrets(withoutAccessParticulars(m.textBody)),
        ...(m.reason ? { reason: withoutLinkSecrets(m.reason) } : {}),
        receivedAt: m.receivedAt.toISOString(),
      })),
    }),
  );

  app.post(
    '/v1/inbound/quarantine/:inboundId/release',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'releaseQuarantinedMail',
        summary: 'Release a quarantined mail: file it as a ticket for a partner, or thread it onto a ticket (staff)',
        description:
          'docs/adr/0067: the mail goes the way an accepted mail goes (notification.email_received to intake): a filed one is acknowledged to its sender (P3), with its masked text and no attachments (quarantined mail keeps neither its files nor its access particulars, P9). Recorded with who released it; once only: a second release is a 409 that changes nothing.',
        params: ReleaseParams,
        body: ReleaseBody,
        response: { 202: InboundRelease, ...failureResponses('validation', 'not_found', 'conflict', 'unprocessable') },
      },
      config: { access: READ_QUARANTINE, preconditions: { refusedFirst: mailFound } },
    },
    async (request, reply) => {
      const target = releaseTargetOf(request.body);
      // Listed like a schema's validation errors (errors and errorCount), so a client reads every 400 alike.
      if (!target.ok) return sendFailure(reply, { kind: 'validation', detail: target.error.message, extensions: { errorCount: 1, errors: [{ in: 'body', ...target.error }] } });
      const by = scopeOf(request, 'staff').staffId;
      const released = await deps.unitOfWork.run((tx) => releaseQuarantinedMail(tx, deps.outbox, { inboundId: request.params.inboundId, target: target.value, by, at: deps.clock.now() }));
      if (!released.ok) return sendFailure(reply, released.error);
      deps.logger.info({ inboundId: released.value.inboundId, outcome: released.value.outcome, releasedBy: by }, 'quarantined mail released');
      return reply.code(202).send({ ...released.value, releasedAt: released.value.releasedAt.toISOString() });
    },
  );

  app.get(
    '/v1/inbound/partner-domains',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'listPartnerMailDomains',
        summary: "Mail domains whose senders' new mail opens a ticket for their partner (admin)",
        response: { 200: Type.Object({ items: Type.Array(PartnerDomain) }) },
      },
      config: { access: ADMIN },
    },
    async () => ({ items: (await inboundStore.domains(deps.dataSource.manager)).map((d) => ({ ...d, addedAt: d.addedAt.toISOString() })) }),
  );

  app.put(
    '/v1/inbound/partner-domains/:domain',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'putPartnerMailDomain',
        summary: 'Give a mail domain to a partner: new mail from it opens tickets for that partner (admin)',
        params: DomainParams,
        body: PutDomainBody,
        response: { 200: PartnerDomain, ...failureResponses('unprocessable', 'precondition_failed') },
      },
      // A PUT that creates: `*` in If-Match or If-None-Match asks whether the domain is someone's (giveDomainToPartner).
      config: { access: ADMIN, preconditions: 'route' },
    },
    async (request, reply) => {
      const domain = request.params.domain.toLowerCase();
      const given = await deps.unitOfWork.run((tx) =>
        giveDomainToPartner(tx, { domain, partnerId: request.body.partnerId, by: scopeOf(request, 'staff').staffId, at: deps.clock.now(), conditions: conditionsOf(request) }),
      );
      if (!given.ok) return sendFailure(reply, given.error);
      return { ...given.value, addedAt: given.value.addedAt.toISOString() };
    },
  );

  app.delete(
    '/v1/inbound/partner-domains/:domain',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'deletePartnerMailDomain',
        summary: 'Take a mail domain from its partner: new mail from it is quarantined again (admin)',
        params: DomainParams,
        response: { 204: Type.Null(), ...failureResponses('not_found') },
      },
      config: { access: ADMIN, preconditions: { refusedFirst: domainFound } },
    },
    async (request, reply) => {
      const deleted = await deps.unitOfWork.run((tx) => inboundStore.deleteDomain(tx, request.params.domain.toLowerCase()));
      if (!deleted) return sendFailure(reply, NO_DOMAIN);
      return reply.code(204).send(null);
    },
  );
};
