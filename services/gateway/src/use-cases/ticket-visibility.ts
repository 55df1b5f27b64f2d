import { TicketStatuses, type TicketStatus } from '@tss/contracts';
import { jsonOf, type IntakeApi } from '../upstream/intake-api';

/**
 * What ticket-intake says of a ticket another service refused from its projection, for the caller
 * (docs/adr/0068 and its addendum of 2026-12-05): the service is behind intake's events
 * (`service_behind`: the caller may see the ticket, in the status asked about if one was), its
 * refusal stands (`answer_stands`: intake refuses the caller the ticket, or shows it in another
 * status), or intake could not be asked (`cannot_tell`).
 */
export type TicketSighting = { kind: 'service_behind' } | { kind: 'answer_stands' } | { kind: 'cannot_tell'; reason: string };

export const isTicketStatus = (value: unknown): value is TicketStatus => typeof value === 'string' && (TicketStatuses as readonly string[]).includes(value);

/** The `status` of intake's ticket view, or undefined when the body is not one. */
const statusOfView = (body: unknown): unknown => (typeof body === 'object' && body !== null && 'status' in body ? body.status : undefined);

/**
 * Asks intake's `GET /v1/tickets/{id}` with the caller's own token, so intake's tenancy decides
 * (another partner's or requester's ticket is its 404 too). `ticket` is the path segment as it
 * came (id or reference, still percent-encoded); `inStatus`, when the service's refusal says the
 * status intake must show for the service to be behind (TICKET_BEHIND_HEADER). A 4xx is intake
 * refusing this caller that ticket (404, a reference whose check character is wrong, a token that
 * may not read tickets): the service's answer stands. A 5xx, a 429 or no answer at all says
 * nothing about the ticket.
 */
export const sightTicket = async (intake: IntakeApi, ticket: string, token: string, inStatus?: TicketStatus): Promise<TicketSighting> => {
  let answer: Awaited<ReturnType<IntakeApi['call']>>;
  try {
    answer = await intake.call({ method: 'GET', path: `/v1/tickets/${ticket}`, token });
  } catch (error) {
    return { kind: 'cannot_tell', reason: error instanceof Error ? error.message : String(error) };
  }
  const { status } = answer;
  if (status >= 400 && status < 500 && status !== 429) return { kind: 'answer_stands' };
  if (status !== 200) return { kind: 'cannot_tell', reason: `ticket-intake answered ${status}` };
  if (inStatus === undefined) return { kind: 'service_behind' };
  let shown: unknown;
  try {
    shown = statusOfView(jsonOf<unknown>(answer));
  } catch (error) {
    return { kind: 'cannot_tell', reason: `ticket-intake's ticket is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!isTicketStatus(shown)) return { kind: 'cannot_tell', reason: "ticket-intake's ticket names no status" };
  return shown === inStatus ? { kind: 'service_behind' } : { kind: 'answer_stands' };
};
