/**
 * P8: the files an agent's public reply carries, as `ticket.agent_replied` names them, so the
 * requester's mail can say a file came with the answer and where to download it (docs/adr/0035,
 * addendum of 2026-12-05, fifth session). Pointers and names only: events never carry bytes (DESIGN).
 */

/**
 * The most files one `ticket.agent_replied` names (the event's contract; ticket.events.ts may export
 * contracts only): a message names at most 20 earlier uploads and brings at most ATTACHMENT_MAX_FILES
 * (at most 100) of its own.
 */
export const MAX_ATTACHMENTS_PER_REPLY_EVENT = 120;

/** A file of an agent's reply: its id (the support site's download names it), its name as the thread shows it (P9: masked), its size in bytes. */
export interface RepliedAttachment {
  id: string;
  fileName: string;
  size: number;
}
