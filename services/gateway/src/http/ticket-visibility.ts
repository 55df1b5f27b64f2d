import type { FastifyInstance, FastifyRequest } from 'fastify';
import { projectedTicketOfPath, UNKNOWN_TICKET_HEADER } from '@tss/contracts';
import { PROBLEM_CONTENT_TYPE, problemFor, problemInstanceOf, problemType, TICKET_NOT_YET_VISIBLE_RETRY_AFTER_SECONDS, type ProblemInput } from '@tss/service-kit';
import type { IntakeApi } from '../upstream/intake-api';
import { sightTicket } from '../use-cases/ticket-visibility';

/** As the forwarding's own answer when a service is down. */
const INTAKE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** What the gateway answers instead of a service's `unknown_ticket` 404. */
export interface UnknownTicketAnswer {
  problem: ProblemInput;
  retryAfterSeconds: number;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * docs/adr/0068: a service other than ticket-intake answered 404 "no such ticket" from its own
 * projection, which follows intake's events and may not have this ticket yet. Intake, asked with
 * the caller's own token, says whether the caller may see it: if so, a 503 to retry after
 * Retry-After; if not, undefined, and the service's 404 goes out unchanged (a ticket another
 * partner or requester has looks exactly like one nobody has). Intake unreachable: a 503 too, the
 * forwarding's own `upstream-unavailable`, whatever the ticket (it tells nothing about it).
 */
export const answerForUnknownTicket = async (intake: IntakeApi, request: FastifyRequest): Promise<UnknownTicketAnswer | undefined> => {
  const ticket = projectedTicketOfPath(request.url);
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (ticket === undefined || token === undefined) return undefined;
  const sighting = await sightTicket(intake, ticket, token);
  switch (sighting.kind) {
    case 'not_visible':
      return undefined;
    case 'visible':
      return {
        retryAfterSeconds: TICKET_NOT_YET_VISIBLE_RETRY_AFTER_SECONDS,
        problem: problemFor({
          kind: 'ticket_not_yet_visible',
          detail: `The ticket was filed a moment ago and this part of it is not ready yet; retry after ${TICKET_NOT_YET_VISIBLE_RETRY_AFTER_SECONDS} s (Retry-After).`,
        }),
      };
    case 'cannot_tell':
      request.log.warn({ reason: sighting.reason }, 'ticket-intake could not say whether a ticket a service does not know exists');
      return {
        retryAfterSeconds: INTAKE_UNAVAILABLE_RETRY_AFTER_SECONDS,
        problem: { type: problemType('upstream-unavailable'), title: 'Service Unavailable', status: 503, detail: 'ticket-intake is unavailable; retry later.' },
      };
  }
};

/**
 * Single process: the services' routes are in this app, so there is no forwarding to look at
 * their answers; an app-wide onSend hook does it instead. Registered before the services' routes,
 * it runs before their own onSend hooks (a 503 it makes frees the Idempotency-Key, as a 5xx does).
 * The marker never leaves the process.
 */
export const installTicketVisibility = (app: FastifyInstance, intake: IntakeApi): void => {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!reply.hasHeader(UNKNOWN_TICKET_HEADER)) return payload;
    reply.removeHeader(UNKNOWN_TICKET_HEADER);
    if (reply.statusCode !== 404) return payload;
    const answer = await answerForUnknownTicket(intake, request);
    if (!answer) return payload;
    reply.code(answer.problem.status).header('retry-after', String(answer.retryAfterSeconds)).type(PROBLEM_CONTENT_TYPE);
    return JSON.stringify({ ...answer.problem, instance: problemInstanceOf(request.url) });
  });
};
