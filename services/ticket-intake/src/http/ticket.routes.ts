import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import {
  answeredConditionally,
  CONDITIONAL_READ_RESPONSES,
  ConditionalReadHeaders,
  failureResponses,
  holdsLinkSecrets,
  scopeOf,
  sendFailure,
  shownToReader,
  withoutLinkSecretsIn,
  type AccessRule,
  type Clock,
  type RequestScope,
} from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import type { Ticket } from '../domain/ticket';
import { toTicket } from '../store/ticket.store';
import { changeTicket, etagOf } from '../use-cases/change-ticket';
import type { LifecycleHooks } from '../use-cases/commit-change';
import type { MessageHooks } from '../use-cases/post-message';
import { fileTicket } from '../use-cases/file-ticket';
import { findTicketFor } from '../use-cases/find-ticket';
import { reopenTicket } from '../use-cases/reopen-ticket';
import { isRequesterAddress } from '../domain/mail-author';
import { withRequesterId } from '../domain/requester-id';
import { actorOf, callerKey, requesterAuthorOf } from '../use-cases/ticket-actor';
import { FileTicketBody, IdempotencyHeaders, IfMatchHeaders, ReopenBody, ReopenView, TicketParams, TicketPatchBody } from './ticket.schemas';
import { toTicketView } from './ticket.views';
import { ticketFoundFor } from './ticket-found';

export interface TicketRoutesDeps {
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  clock: Clock;
  timers: TimerStore;
  reopenWindowMs: number;
  hooks?: readonly LifecycleHooks[];
  /** P9 masking of a requester's reopen reason, which goes on the thread as their message. */
  messageHooks?: readonly MessageHooks[];
}

// Requester tokens act for one of the partner's clients and see only that client's tickets; staff
// see every partner's.
export const READ: AccessRule = { kinds: ['partner', 'requester', 'staff'], scopes: ['tickets:read'] };
export const WRITE: AccessRule = { kinds: ['partner', 'requester', 'staff'], scopes: ['tickets:write'] };
const AGENT_WRITE: AccessRule = { kinds: ['staff'], scopes: ['tickets:write'] };

// The shared schema (ticket.schemas.ts SHARED_SCHEMAS), by reference: one `Ticket` in the document.
const TicketRef = Type.Ref('Ticket');

/**
 * The ticket as its reader may see it (link credentials in its texts withheld from staff, as
 * shownToReader does), with the ETag of that representation: when something is withheld, staff
 * read another representation than the partner and the requester, with another tag (docs/adr/0069).
 */
const representationOf = (scope: Pick<RequestScope, 'kind'>, ticket: Ticket) => {
  const view = toTicketView(ticket);
  const withheld = scope.kind === 'staff' && holdsLinkSecrets(view);
  return { view: withheld ? withoutLinkSecretsIn(view) : view, etag: etagOf(ticket, withheld ? 'withheld' : 'as_written') };
};

const sendTicket = (reply: FastifyReply, scope: Pick<RequestScope, 'kind'>, ticket: Ticket, status = 200): FastifyReply => {
  const { view, etag } = representationOf(scope, ticket);
  return reply.code(status).header('etag', etag).send(view);
};

/** The partner a POST files for: the token's, or for staff the body's `partnerId`. */
const filingPartner = (scope: RequestScope, body: FileTicketBody): string | undefined => (scope.kind === 'staff' ? body.partnerId : scope.partnerId);

export const ticketRoutes = (deps: TicketRoutesDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/v1/tickets',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'fileTicket',
        summary: 'File a support request (P2); answers with its reference number (P3)',
        description:
          'Partners file for themselves or their clients (channel `api`, or `site` for their support site); requester tokens file as that client; ' +
          'staff register a phone or messenger contact for a registered, active partner (channel `phone`, level `consulting` unless ' +
          '`levelConfirmed`, P12; another `partnerId` is a 422). ' +
          'The level is checked as a PATCH checks it: `development` is given only by referral (422), a confirmed emergency needs ' +
          '`criticalErrorConfirmed`, and a phone contact at another level than consulting needs `levelConfirmed` (422).',
        headers: IdempotencyHeaders,
        body: FileTicketBody,
        response: { 201: TicketRef, ...failureResponses('idempotency_mismatch', 'unprocessable') },
      },
      // The new ticket's version, as its GET sends it (sendTicket).
      config: { access: WRITE, responseHeaders: { 201: ['ETag'] } },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const { channel: askedChannel, language, partnerId: _partnerId, levelConfirmed, criticalErrorConfirmed, ...fields } = request.body;
      const partnerId = filingPartner(scope, request.body);
      if (!partnerId) return sendFailure(reply, { kind: 'unprocessable', detail: 'Staff filing a request name the partner it is for: partnerId.' });
      if (scope.kind !== 'staff' && (askedChannel === 'phone' || levelConfirmed !== undefined || criticalErrorConfirmed !== undefined || request.body.partnerId !== undefined)) {
        return sendFailure(reply, { kind: 'unprocessable', detail: 'Only staff name the partner, register phone contacts and confirm levels (P5, P12).' });
      }
      const channel = askedChannel ?? (scope.kind === 'staff' ? 'phone' : 'api');
      // A requester token's filing names the address the partner vouched for in it, or none: its
      // acknowledgment goes there, never to an address the requester typed (docs/auth.md).
      if (scope.kind === 'requester' && fields.requester?.email !== undefined && !isRequesterAddress(scope.email, fields.requester.email)) {
        return sendFailure(reply, {
          kind: 'validation',
          detail: scope.email
            ? 'requester.email: a requester token files for the address its partner gave it; send that one, or none.'
            : 'requester.email: this requester token names no address; the partner mints one with `email` to have tickets acknowledged by mail.',
          extensions: { errors: [{ in: 'body', pointer: '/requester/email', message: scope.email ? 'not the address of your token' : 'your token names no address' }] },
        });
      }
      // A requester named by address only gets the address as its id (the support site, docs/adr/0039).
      const body =
        scope.kind === 'requester'
          ? { ...fields, requester: { ...fields.requester, id: scope.requesterId, ...(scope.email ? { email: scope.email } : {}) } }
          : { ...fields, requester: withRequesterId(fields.requester) };
      const result = await fileTicket(deps, {
        partnerId,
        channel,
        language,
        request: body,
        levelConfirmed: scope.kind === 'staff' && levelConfirmed === true,
        criticalErrorConfirmed: scope.kind === 'staff' && criticalErrorConfirmed === true,
        partnerNamedByFiler: scope.kind === 'staff',
        idempotencyKey: callerKey(scope, request.headers['idempotency-key']),
        actor: actorOf(scope),
      });
      if (!result.ok) return sendFailure(reply, result.error);
      const { ticket, replayed } = result.value;
      if (replayed) reply.header('idempotent-replayed', 'true');
      reply.header('location', `/v1/tickets/${ticket.id}`);
      // A replay answers as the first request did (IETF Idempotency-Key draft), marked as a replay.
      return sendTicket(reply, scope, ticket, 201);
    },
  );

  app.get(
    '/v1/tickets/:id',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'getTicket',
        summary: 'Read one ticket by id or reference number; its ETag is its version',
        description:
          'With `If-None-Match` naming the current ETag, a 304 without a body: the copy held is current. With `If-Match` naming none of it (strongly; `*` names any), a 412 problem instead of the ticket.',
        params: TicketParams,
        headers: ConditionalReadHeaders,
        response: { 200: TicketRef, ...CONDITIONAL_READ_RESPONSES, ...failureResponses('invalid_reference', 'not_found') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const found = await findTicketFor(deps.dataSource.manager, scope, request.params.id);
      if (!found.ok) return sendFailure(reply, found.error);
      const ticket = toTicket(found.value);
      // Compared with the tag of the representation this reader gets (RFC 9110 §13.1.2).
      if (answeredConditionally(request, reply, representationOf(scope, ticket).etag)) return reply;
      return sendTicket(reply, scope, ticket);
    },
  );

  app.patch(
    '/v1/tickets/:id',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'changeTicket',
        summary: 'Classify, assign or move a ticket, or record its request details (agents; If-Match required)',
        description:
          'Confirm or reclassify the level (P5; emergency needs criticalErrorConfirmed; level development and status referred are given only ' +
          'by a referral, POST /v1/tickets/{id}/referrals, which records the reason and calls the development department in: a PATCH asking for ' +
          'either is a 422 naming that route, but for taking back a referred ticket that waited on the requester; a referred ticket ' +
          'goes back to support only with status open and the level it returns to), set the category (P6), assign (assigneeId null ' +
          'unassigns), or change the status: awaiting_customer needs a requester-side waitReason (P10); closing an unresolved ticket needs ' +
          'an out-of-scope closure of its category with a third party the catalogue names for it (P6); a resolved ticket closes without one. ' +
          'Request details a mail or call lacked (product, productVersion, stepsToReproduce, browser, operatingSystem, operatingSystemVersion, ' +
          'connectivity, antivirus) are recorded or corrected with the checks filing applies (P2): missingDetails is recomputed and ' +
          '`ticket.details_changed` published; access particulars in them are vaulted and masked (P9). ' +
          'Answers 412 when the ticket changed since its ETag was read (or when If-None-Match names its current ETag, or is `*`), 428 without If-Match or with `If-Match: *` (it names no version), 409 naming the allowed statuses for an ' +
          'illegal transition, the status the ticket already has, or reclassifying a resolved ticket; 409 conflict for any other change to a closed ticket (its request stays as filed); 422 for a note on a PATCH that changes nothing, and for an ' +
          'assigneeId that is not an active staff member whose role works tickets (agent, team_lead, developer; staff may always assign themselves).',
        params: TicketParams,
        headers: IfMatchHeaders,
        body: TicketPatchBody,
        response: {
          200: TicketRef,
          ...failureResponses('invalid_reference', 'invalid_transition', 'conflict', 'precondition_failed', 'unprocessable', 'precondition_required'),
        },
      },
      // If-Match and If-None-Match are compared with the ticket's ETag under its row lock (changeTicket).
      config: { access: AGENT_WRITE, preconditions: 'route' },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'staff');
      const found = await findTicketFor(deps.dataSource.manager, scope, request.params.id);
      if (!found.ok) return sendFailure(reply, found.error);
      const result = await changeTicket(deps, {
        at: { id: found.value.id, partnerId: found.value.partnerId },
        ifMatch: request.headers['if-match'],
        ifNoneMatch: request.headers['if-none-match'],
        patch: request.body,
        actor: actorOf(scope),
        etagForReader: (ticket) => representationOf(scope, ticket).etag,
      });
      if (!result.ok) return sendFailure(reply, result.error);
      return sendTicket(reply, scope, result.value);
    },
  );

  app.post(
    '/v1/tickets/:id/reopen',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'reopenTicket',
        summary: 'Reopen a ticket closed too early (P11)',
        description:
          'Inside the reopen window (14 days after resolution by default) the ticket is open again and owes a response. After the window, or ' +
          'once the ticket is closed, a new ticket linked to it is filed instead (201, `followUp: true`), once: while that follow-up is neither resolved ' +
          'nor closed, the request answers it (200, `followUp: true`) and files nothing. A partner’s or requester’s `reason` is also ' +
          "the requester's message on the thread: access particulars in it are vaulted and masked (P9), and 'Attention Technical Support Team Leader' flags the ticket (P7).",
        params: TicketParams,
        body: ReopenBody,
        response: { 200: ReopenView, 201: ReopenView, ...failureResponses('invalid_reference', 'invalid_transition') },
      },
      config: { access: WRITE, preconditions: { refusedFirst: ticketFoundFor(deps.dataSource) } },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      if (scope.kind === 'staff' && request.body?.channel !== undefined) {
        return sendFailure(reply, { kind: 'unprocessable', detail: "`channel` is for partners and requesters: staff reopen as support (P12)." });
      }
      const found = await findTicketFor(deps.dataSource.manager, scope, request.params.id);
      if (!found.ok) return sendFailure(reply, found.error);
      const result = await reopenTicket(deps, {
        at: { id: found.value.id, partnerId: found.value.partnerId },
        reason: request.body?.reason,
        actor: actorOf(scope),
        // P7/P9: a partner's or requester's reason is the requester's message; a staff member's is a note.
        ...(scope.kind === 'staff' ? {} : { requesterMessage: { author: requesterAuthorOf(scope, found.value), channel: request.body?.channel ?? 'api' } }),
      });
      if (!result.ok) return sendFailure(reply, result.error);
      const { ticket, followUp, alreadyFiled } = result.value;
      const filed = followUp && !alreadyFiled;
      if (filed) reply.header('location', `/v1/tickets/${ticket.id}`);
      return reply.code(filed ? 201 : 200).send(shownToReader(scope, { ticket: toTicketView(ticket), followUp }));
    },
  );
};
