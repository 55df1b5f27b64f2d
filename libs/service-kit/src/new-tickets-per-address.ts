import { Type } from '@sinclair/typebox';

/**
 * How many new tickets one e-mail address may open within an hour, whichever way it comes: by mail
 * (notification quarantines the next new mail of that sender) or named on a partner's public
 * support form (the gateway refuses the next request naming it). One setting, declared once and
 * spread by both, so one value bounds the acknowledgments one address can be sent (docs/adr/0035,
 * docs/adr/0037 addenda). Each path counts its own tickets.
 */
export const NewTicketsPerAddressEnv = {
  MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 5,
    description:
      "Tickets one address may open within an hour: by mail (its next new mail is quarantined and not acknowledged: a loop with an auto-responder that does not mark itself), and as the address given on a partner's public support form (its next request naming it is refused, so nobody can have it sent acknowledgments without end)",
  }),
};
