import type { IntakeApi } from '../upstream/intake-api';

/**
 * What ticket-intake says of a ticket another service's projection does not hold for the caller
 * (docs/adr/0068): the caller may see it (`visible`: the projection lags), may not or it does not
 * exist (`not_visible`: the service's 404 stands), or intake could not be asked (`cannot_tell`).
 */
export type TicketSighting = { kind: 'visible' } | { kind: 'not_visible' } | { kind: 'cannot_tell'; reason: string };

/**
 * Asks intake's `GET /v1/tickets/{id}` with the caller's own token, so intake's tenancy decides
 * (another partner's or requester's ticket is its 404 too). `ticket` is the path segment as it
 * came (id or reference, still percent-encoded). A 4xx is intake refusing this caller that ticket
 * (404, a reference whose check character is wrong, a token that may not read tickets): the
 * service's 404 stands. A 5xx, a 429 or no answer at all says nothing about the ticket.
 */
export const sightTicket = async (intake: IntakeApi, ticket: string, token: string): Promise<TicketSighting> => {
  let status: number;
  try {
    status = (await intake.call({ method: 'GET', path: `/v1/tickets/${ticket}`, token })).status;
  } catch (error) {
    return { kind: 'cannot_tell', reason: error instanceof Error ? error.message : String(error) };
  }
  if (status === 200) return { kind: 'visible' };
  if (status >= 400 && status < 500 && status !== 429) return { kind: 'not_visible' };
  return { kind: 'cannot_tell', reason: `ticket-intake answered ${status}` };
};
