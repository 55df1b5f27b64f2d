import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import { failureResponses, hasScope, principalOf, scopeOf, sendFailure, shownToReader, type AccessRule, type Failure } from '@tss/service-kit';
import { cutText } from '@tss/contracts';
import type { Message } from '../domain/message';
import type { Ticket } from '../domain/ticket';
import { decodeTicketLogCursor, encodeTicketLogCursor } from '../domain/ticket-log-cursor';
import { historyStore } from '../store/history.store';
import { messageStore } from '../store/message.store';
import { toTicket } from '../store/ticket.store';
import { findTicketFor } from '../use-cases/find-ticket';
import { postMessage, postMessageWithFiles, type PostMessageDeps } from '../use-cases/post-message';
import type { Upload } from '../use-cases/store-attachments';
import { actorOf, callerKey, requesterAuthorOf } from '../use-cases/ticket-actor';
import type { MessageUploads } from './message-uploads';
import { HistoryView, IdempotencyHeaders, MessageBody, messageForm, MessageParams, PostedMessageView, ThreadView, TicketLogQuery, TicketParams, type MessageView } from './ticket.schemas';
import { READ, WRITE } from './ticket.routes';
import { toTicketView } from './ticket.views';
import { ticketFoundFor } from './ticket-found';

/** A message as its reader sees it: staff also see which mail it came from (its Message-ID); nobody else does. */
export const toMessageView = (m: Message, reader?: { kind: string }): MessageView => ({
  id: m.id,
  ticketId: m.ticketId,
  author: m.author,
  visibility: m.visibility,
  channel: m.channel,
  body: m.body,
  attachmentIds: m.attachmentIds,
  ...(reader?.kind === 'staff' && m.emailMessageId ? { emailMessageId: m.emailMessageId } : {}),
  createdAt: m.createdAt.toISOString(),
});

const NO_BODY: Failure = {
  kind: 'validation',
  detail: 'A message is a JSON object (application/json) or a form (multipart/form-data) with its `body`.',
  extensions: { errors: [{ in: 'body', pointer: '', message: 'must be object' }] },
};

/** The request as filed (P2), first on the thread; its texts were masked at filing (P9). */
const requestView = ({ request: r, receivedAt }: Ticket): Static<typeof ThreadView>['request'] => ({
  subject: r.subject ?? cutText(r.description, 120),
  description: r.description,
  ...(r.stepsToReproduce ? { stepsToReproduce: r.stepsToReproduce } : {}),
  ...(r.product ? { product: r.product } : {}),
  ...(r.productVersion ? { productVersion: r.productVersion } : {}),
  ...(r.browser ? { browser: r.browser } : {}),
  ...(r.operatingSystem ? { operatingSystem: r.operatingSystem } : {}),
  ...(r.operatingSystemVersion ? { operatingSystemVersion: r.operatingSystemVersion } : {}),
  ...(r.connectivity ? { connectivity: r.connectivity } : {}),
  ...(r.antivirus ? { antivirus: r.antivirus } : {}),
  receivedAt: receivedAt.toISOString(),
});

/**
 * Who may post: writers of tickets, and staff with `notes:write` only (P7: the quality department),
 * who may add internal notes and nothing else (docs/adr/0039).
 */
const POST_MESSAGE: AccessRule = { kinds: WRITE.kinds, scopes: [...(WRITE.scopes ?? []), 'notes:write'] };

/** P8: the thread of a ticket, messages on it, and its audit history. */
export const messageRoutes = (deps: PostMessageDeps & { dataSource: DataSource; messageUploads?: readonly MessageUploads[] }) => async (fastify: FastifyInstance) => {
  const uploads = deps.messageUploads?.[0];
  if (uploads) await uploads.accept(fastify);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  /** The files of a multipart message, read before validation and stored by the handler. */
  const filesOf = new WeakMap<FastifyRequest, Upload[]>();

  /**
   * A multipart message (P8: the text and its screenshots in one request): the files are read
   * (within the upload limits), then the form's text parts stand in for the body, validated against
   * the form's own schema (the one the document shows for multipart/form-data). The files are
   * stored only by the handler, which a retry with the same Idempotency-Key never reaches (the
   * runtime answers it with the first answer, docs/adr/0028).
   */
  const readMultipartMessage = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!uploads || !request.isMultipart?.()) {
      // Each media type has its own schema, and validation picks one by the request's: a request
      // with no body has none, so it is refused here as a JSON body of nothing would be.
      if (request.body === undefined) return sendFailure(reply, NO_BODY);
      return undefined;
    }
    const scope = scopeOf(request, 'partner', 'requester', 'staff');
    const found = await findTicketFor(deps.dataSource.manager, scope, (request.params as { id: string }).id);
    if (!found.ok) return sendFailure(reply, found.error);
    const form = await uploads.read(request, { fields: ['body', 'visibility', 'channel'], repeatable: ['attachmentIds'], required: ['body'] });
    // An upload past its deadline (single process) was answered 408 while its body was read.
    if (reply.sent) return reply;
    if (!form.ok) return sendFailure(reply, form.error);
    filesOf.set(request, form.value.files);
    request.body = form.value.fields;
    return undefined;
  };

  // What the document shows is what is taken: JSON, or (when attachments are on) the form with its files.
  const body = uploads
    ? { content: { 'application/json': { schema: MessageBody }, 'multipart/form-data': { schema: messageForm(uploads.maxFiles) } } }
    : MessageBody;

  // The form's text parts, once validated, are a MessageBody: its files are read apart (`filesOf`).
  // A body schema per media type is no one typebox schema, so the route names its types.
  app.post<{ Body: MessageBody; Params: Static<typeof TicketParams>; Headers: Static<typeof IdempotencyHeaders> }>(
    '/v1/tickets/:id/messages',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'postMessage',
        summary: 'Add a message to the thread (P8); as JSON, or as multipart/form-data with its files',
        description:
          "Partners and requesters write as the requester: a ticket awaiting them is open again and owes a response (P5, P10); on a resolved ticket a message is a comment, and POST …/reopen reopens it (P11), except a requester's reply with channel `site` inside the reopen window, which reopens it as their e-mail reply does. Staff write as agents: a public reply is the response owed; an internal note is for staff only. 'Attention Technical Support Team Leader' flags the ticket for the team leader (P7). Access particulars pasted into a requester's message are moved to the vault and masked (P9).",
        params: TicketParams,
        headers: IdempotencyHeaders,
        body,
        response: { 201: PostedMessageView, ...failureResponses('invalid_reference', 'forbidden', 'invalid_transition', 'idempotency_mismatch', 'unprocessable') },
      },
      config: { access: POST_MESSAGE, preconditions: { refusedFirst: ticketFoundFor(deps.dataSource) } },
      preValidation: readMultipartMessage,
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const visibility = request.body.visibility === 'internal' ? ('internal' as const) : ('public' as const);
      if (visibility === 'internal' && scope.kind !== 'staff') return sendFailure(reply, { kind: 'forbidden', detail: 'Internal notes are for support staff.' });
      if (visibility === 'public' && !hasScope(principalOf(request), 'tickets:write')) {
        return sendFailure(reply, { kind: 'forbidden', detail: 'This token may add internal notes only (notes:write): send visibility internal.' });
      }
      if (scope.kind === 'staff' && request.body.channel !== undefined) {
        return sendFailure(reply, { kind: 'unprocessable', detail: "Staff messages take the ticket's channel; `channel` is for partners and requesters (P12)." });
      }
      const found = await findTicketFor(deps.dataSource.manager, scope, request.params.id);
      if (!found.ok) return sendFailure(reply, found.error);
      const row = found.value;
      const author = scope.kind === 'staff' ? { kind: 'agent' as const, id: scope.staffId } : requesterAuthorOf(scope, row);
      const newMessage = {
        at: { id: row.id, partnerId: row.partnerId },
        author,
        actor: actorOf(scope),
        visibility,
        // P12: the partner's support site says so (the gateway's site does); anything else came by the API.
        channel: scope.kind === 'staff' ? row.channel : (request.body.channel ?? 'api'),
        body: request.body.body,
      };
      const idempotencyKey = callerKey(scope, request.headers['idempotency-key']);
      const files = filesOf.get(request) ?? [];
      const attachmentIds = request.body.attachmentIds ?? [];
      let result;
      if (uploads && files.length > 0) {
        const staged = await uploads.stage({ id: row.id, partnerId: row.partnerId }, files, actorOf(scope));
        if (!staged.ok) return sendFailure(reply, staged.error);
        result = await postMessageWithFiles(deps, { ...newMessage, attachmentIds }, staged.value, idempotencyKey);
      } else {
        result = await postMessage(deps, { ...newMessage, attachmentIds }, idempotencyKey);
      }
      if (!result.ok) return sendFailure(reply, result.error);
      const { message, ticket, notes, replayed } = result.value;
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply
        .code(201)
        // The message itself (docs/adr/0065): the thread's first page need not hold it.
        .header('location', `/v1/tickets/${ticket.id}/messages/${message.id}`)
        .send(shownToReader(scope, { message: toMessageView(message), ticket: toTicketView(ticket), notes }));
    },
  );

  app.get(
    '/v1/tickets/:id/thread',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'getThread',
        summary: 'The thread in order: the request, then the messages a page at a time (internal notes only to staff)',
        description:
          'Every page carries the request; `items` are the messages, oldest first, `limit` at a time (100 unless asked). ' +
          'Follow `nextCursor` (as `cursor`) until a page has none: pages never repeat or skip a message, whatever is written meanwhile.',
        params: TicketParams,
        querystring: TicketLogQuery,
        response: { 200: ThreadView, ...failureResponses('invalid_reference', 'not_found', 'bad_request') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const found = await findTicketFor(deps.dataSource.manager, scope, request.params.id);
      if (!found.ok) return sendFailure(reply, found.error);
      const ticket = toTicket(found.value);
      const { cursor, limit } = request.query;
      const after = cursor === undefined ? undefined : decodeTicketLogCursor('thread', cursor, scope, ticket.id);
      if (after && !after.ok) return sendFailure(reply, after.error);
      // One more than the page tells whether another follows.
      const messages = await messageStore.thread(deps.dataSource.manager, ticket.id, { includeInternal: scope.kind === 'staff', after: after?.value, limit: limit + 1 });
      const page = messages.slice(0, limit);
      const last = page.at(-1);
      return shownToReader(scope, {
        ticketId: ticket.id,
        reference: ticket.reference,
        request: requestView(ticket),
        items: page.map((m) => toMessageView(m, scope)),
        ...(messages.length > limit && last ? { nextCursor: encodeTicketLogCursor('thread', scope, ticket.id, last.position) } : {}),
      });
    },
  );

  app.get(
    '/v1/tickets/:id/messages/:messageId',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'getMessage',
        summary: 'One message of the thread, as the thread shows it to its reader (internal notes only to staff)',
        description: 'Where a posted message’s `Location` points. A message of another ticket, or an internal note read by a partner or requester, is a 404.',
        params: MessageParams,
        response: { 200: Type.Ref('Message'), ...failureResponses('invalid_reference', 'not_found') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const found = await findTicketFor(deps.dataSource.manager, scope, request.params.id);
      if (!found.ok) return sendFailure(reply, found.error);
      const message = await messageStore.findOnTicket(deps.dataSource.manager, found.value.id, request.params.messageId, { includeInternal: scope.kind === 'staff' });
      if (!message) return sendFailure(reply, { kind: 'not_found', detail: 'No such message on this ticket.' });
      return shownToReader(scope, toMessageView(message, scope));
    },
  );

  app.get(
    '/v1/tickets/:id/history',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'getTicketHistory',
        summary: 'The audit history of a ticket: every change with who, when and why, a page at a time',
        description: '`items` oldest first, `limit` at a time (100 unless asked); follow `nextCursor` (as `cursor`) until a page has none.',
        params: TicketParams,
        querystring: TicketLogQuery,
        response: { 200: HistoryView, ...failureResponses('invalid_reference', 'not_found', 'bad_request') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const found = await findTicketFor(deps.dataSource.manager, scope, request.params.id);
      if (!found.ok) return sendFailure(reply, found.error);
      const ticketId = found.value.id;
      const { cursor, limit } = request.query;
      const after = cursor === undefined ? undefined : decodeTicketLogCursor('history', cursor, scope, ticketId);
      if (after && !after.ok) return sendFailure(reply, after.error);
      // P9: entries about what only staff see (an internal note's credentials) are staff's, as the note is.
      const entries = await historyStore.list(deps.dataSource.manager, ticketId, { after: after?.value, limit: limit + 1, includeInternal: scope.kind === 'staff' });
      const page = entries.slice(0, limit);
      const last = page.at(-1);
      return shownToReader(scope, {
        ticketId,
        ...(entries.length > limit && last ? { nextCursor: encodeTicketLogCursor('history', scope, ticketId, last.id) } : {}),
        items: page.map((e) => ({
          at: e.at.toISOString(),
          actor: e.actor,
          action: e.action,
          detail: e.detail,
          ...(e.sequence !== undefined ? { sequence: e.sequence } : {}),
          visibility: e.visibility,
        })),
      });
    },
  );
};
