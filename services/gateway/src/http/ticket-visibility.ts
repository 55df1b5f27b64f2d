import type { FastifyInstance, FastifyRequest } from 'fastify';
import { projectedTicketOfPath, TICKET_BEHIND_HEADER, UNKNOWN_TICKET_HEADER, type TicketStatus } from '@tss/contracts';
import { PROBLEM_CONTENT_TYPE, problemFor, problemInstanceOf, problemType, TICKET_NOT_YET_VISIBLE_RETRY_AFTER_SECONDS, type ProblemInput } from '@tss/service-kit';
import type { IntakeApi } from '../upstream/intake-api';
import { isTicketStatus, sightTicket } from '../use-cases/ticket-visibility';

/** As the forwarding's own answer when a service is down. */
const INTAKE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** The services' markers for the gateway: never the client's to see (docs/adr/0068 and its addendum of 2026-12-05). */
export const SERVICE_MARKERS: readonly string[] = [UNKNOWN_TICKET_HEADER, TICKET_BEHIND_HEADER];

/**
 * What a service's refusal leaves to the gateway to check with intake: a 404 marked `unknown_ticket`
 * (its projection does not hold the ticket for the caller), or a refusal marked with the ticket
 * status intake must show for the service to be behind (rating's 409 "not resolved": `resolved`).
 */
export type ProjectionDoubt = { kind: 'unknown_ticket' } | { kind: 'ticket_behind'; status: TicketStatus };

/** The doubt a service's answer carries, from its status and its header fields (`field(name)`); none for an unmarked answer. */
export const doubtOfAnswer = (statusCode: number, field: (name: string) => unknown): ProjectionDoubt | undefined => {
  if (statusCode === 404 && field(UNKNOWN_TICKET_HEADER) !== undefined) return { kind: 'unknown_ticket' };
  const behind = field(TICKET_BEHIND_HEADER);
  if (statusCode >= 400 && statusCode < 500 && isTicketStatus(behind)) return { kind: 'ticket_behind', status: behind };
  return undefined;
};

/** What the gateway answers instead of a service's marked refusal. */
export interface CheckedAnswer {
  problem: ProblemInput;
  retryAfterSeconds: number;
}

const RETRY = `retry after ${TICKET_NOT_YET_VISIBLE_RETRY_AFTER_SECONDS} s (Retry-After)`;

/** What is only a moment old, in the 503's detail. */
const notYetDetailOf = (doubt: ProjectionDoubt): string => {
  if (doubt.kind === 'unknown_ticket') return `The ticket was filed a moment ago and this part of it is not ready yet; ${RETRY}.`;
  if (doubt.status === 'resolved') return `The ticket was resolved a moment ago and its survey is not ready yet; ${RETRY}.`;
  return `The ticket became ${doubt.status} a moment ago and this part of it has not learned of it yet; ${RETRY}.`;
};

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * docs/adr/0068: a service other than ticket-intake refused from its own projection, which follows
 * intake's events and may not have this ticket yet (a 404 "no such ticket"), or not its latest
 * status (addendum of 2026-12-05: rating's 409 "not resolved" right after the resolution). Intake,
 * asked with the caller's own token, says whether the caller may see the ticket, in that status:
 * if so, a 503 to retry after Retry-After; if not, undefined, and the service's answer goes out
 * unchanged (a ticket another partner or requester has looks exactly like one nobody has).
 * Intake unreachable: a 503 too, the forwarding's own `upstream-unavailable`, whatever the ticket
 * (it tells nothing about it).
 */
export const answerForDoubt = async (intake: IntakeApi, request: FastifyRequest, doubt: ProjectionDoubt): Promise<CheckedAnswer | undefined> => {
  const ticket = projectedTicketOfPath(request.url);
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (ticket === undefined || token === undefined) return undefined;
  const sighting = await sightTicket(intake, ticket, token, doubt.kind === 'ticket_behind' ? doubt.status : undefined);
  switch (sighting.kind) {
    case 'answer_stands':
      return undefined;
    case 'service_behind':
      return {
        retryAfterSeconds: TICKET_NOT_YET_VISIBLE_RETRY_AFTER_SECONDS,
        problem: problemFor({ kind: 'ticket_not_yet_visible', detail: notYetDetailOf(doubt) }),
      };
    case 'cannot_tell':
      request.log.warn({ reason: sighting.reason, doubt: doubt.kind }, 'ticket-intake could not say whether a service refusing a ticket is only behind');
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
 * The markers never leave the process.
 */
export const installTicketVisibility = (app: FastifyInstance, intake: IntakeApi): void => {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!SERVICE_MARKERS.some((marker) => reply.hasHeader(marker))) return payload;
    const doubt = doubtOfAnswer(reply.statusCode, (name) => reply.getHeader(name));
    for (const marker of SERVICE_MARKERS) reply.removeHeader(marker);
    if (!doubt) return payload;
    const answer = await answerForDoubt(intake, request, doubt);
    if (!answer) return payload;
    // A text returned from onSend goes out as it is: the charset every other problem carries is said here.
    reply.code(answer.problem.status).header('retry-after', String(answer.retryAfterSeconds)).type(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    return JSON.stringify({ ...answer.problem, instance: problemInstanceOf(request.url) });
  });
};
