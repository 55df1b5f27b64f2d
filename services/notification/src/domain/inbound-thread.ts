import { parseReference } from '@tss/contracts';
import type { InboundMail } from './inbound-mail';

// `<left@right>` anywhere in a header value: an "@" with something on each side. The first
// character may itself be an "@"; after it, the first "@" is the one (later ones belong to the
// right). Neither part holds "<", ">" or white space, so each match ends at the first ">" and a
// header of many "@" or "<" is scanned once, in linear time (docs/adr/0061).
const MESSAGE_ID = /<([^<>\s][^<>\s@]*)@([^<>\s]+)>/g;

/**
 * P8: the Message-IDs a reply names, most specific first: In-Reply-To, then References from the
 * newest (RFC 5322 §3.6.4: the last one is the parent). Any of them that is ours threads the mail.
 * Every id a header holds is taken, whatever surrounds it (a comment after it, several ids,
 * folding), each as written and with its domain in lower case too: the domain of a msg-id is
 * case-insensitive, its local part is not (docs/adr/0035, addendum of 2026-12-04, fifth session).
 */
export const threadMessageIds = (mail: Pick<InboundMail, 'inReplyTo' | 'references'>): string[] => {
  const headers = [...(mail.inReplyTo ? [mail.inReplyTo] : []), ...[...mail.references].reverse()];
  const ids = headers.flatMap((value) =>
    [...value.matchAll(MESSAGE_ID)].reverse().flatMap(([written, left, right]) => [written, `<${left}@${right.toLowerCase()}>`]),
  );
  return [...new Set(ids)];
};

// TSS-XXXXX-XXXXC as people write it: any case, dash or space between the groups, or none.
const REFERENCE_LIKE = /\bTSS[-\s]?([0-9A-Z]{5})[-\s]?([0-9A-Z]{5})\b/gi;

/**
 * P3/P8: the first reference in the subject whose check character is valid. A mistyped one is
 * ignored, never "corrected" onto another ticket.
 */
export const referenceInSubject = (subject: string): string | undefined => {
  for (const match of subject.matchAll(REFERENCE_LIKE)) {
    const reference = parseReference(`${match[1]}${match[2]}`);
    if (reference) return reference;
  }
  return undefined;
};
