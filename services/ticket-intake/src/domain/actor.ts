/**
 * Who did something to a ticket, as its history records it: a partner's API client, a requester,
 * a staff member, another service (by the event that asked), the system itself (a timer), or the
 * sender of a mail threaded onto the ticket from an address other than the requester's (`id` is
 * that address; ADR 0035).
 */
export type Actor =
  | { kind: 'partner'; id: string }
  | { kind: 'requester'; id: string }
  | {
      kind: 'staff';
      id: string;
      /**
       * A staff member acting through a support-site link they minted, in the requester's name: the
       * record names the staff member, and whom the words were given as (docs/adr/0037, fifth session).
       */
      onBehalfOf?: { kind: 'requester'; id: string; siteLinkId?: string };
    }
  | { kind: 'service'; id: string }
  | { kind: 'system'; id: string }
  | { kind: 'email_sender'; id: string };

/** The system's own actions: auto-close at the end of the reopen window, credential destruction. */
export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'ticket-intake' };
