import { findCredentials, maskCredentials, REMOVED_PARTICULARS } from '@tss/service-kit';

/** A text a staff member wrote, as escalation keeps and publishes it, and how many access particulars it withheld. */
export interface KeptStaffText {
  text: string;
  withheld: number;
}

/**
 * P9: access particulars are never shown in threads, logs or lists. The vault is intake's (DESIGN
 * "Who owns what"), and what staff write here (a referral's reason, an outcome, a roster note) is
 * stored, published, mailed to a department and delivered to webhooks: each particular is removed
 * before any of that, with the detection every other text goes through (libs/service-kit), and the
 * author is told where particulars go instead (docs/adr/0026, addendum of 2026-12-05, fourth session).
 */
export const keptStaffText = (text: string): KeptStaffText => {
  const found = findCredentials(text);
  return found.length === 0 ? { text, withheld: 0 } : { text: maskCredentials(text, found, () => REMOVED_PARTICULARS), withheld: found.length };
};

/**
 * What the author is told in the answer: `what` names the text ("The reason"). Particulars support
 * needs for a ticket are handed over on that ticket, where the vault keeps them; a text tied to no
 * ticket (a roster note) names the route without one.
 */
export const withheldParticularsNote = (what: string, withheld: number, ticketId?: string): string =>
  `${what} contained access particulars (${withheld}). They were removed, not stored: this text is kept, published and mailed as written, and particulars never are (P9). ` +
  `Hand them over with POST /v1/tickets/${ticketId ?? '{id}'}/credentials${ticketId ? '' : ' on the ticket concerned'}: stored encrypted, revealed to staff only, destroyed after resolution.`;

/** The notes of an answer for the texts it kept: one per text that withheld particulars. */
export const withheldNotes = (texts: readonly { what: string; kept: KeptStaffText }[], ticketId?: string): string[] =>
  texts.filter((t) => t.kept.withheld > 0).map((t) => withheldParticularsNote(t.what, t.kept.withheld, ticketId));
