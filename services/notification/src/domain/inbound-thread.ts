import { parseReference } from '@tss/contracts';
import type { InboundMail } from './inbound-mail';

// `<left@right>`: an "@" with something on each side. The first character may itself be an "@";
// after it, the first "@" is the one (later ones belong to the right). Written as
// `<[^<>\s]+@[^<>\s]+>`, a header of many "@" was split at each of them and rescanned, quadratic
// in its length (docs/adr/0061).
const MESSAGE_ID = /^<[^<>\s][^<>\s@]*@[^<>\s]+>$/;

/**
 * P8: the Message-IDs a reply names, most specific first: In-Reply-To, then References from the
 * newest (RFC 5322 §3.6.4: the last one is the parent). Any of them that is ours threads the mail.
 */
export const threadMessageIds = (mail: Pick<InboundMail, 'inReplyTo' | 'references'>): string[] => {
  const ids = [...(mail.inReplyTo ? [mail.inReplyTo] : []), ...[...mail.references].reverse()];
  return [...new Set(ids.map((id) => id.trim()).filter((id) => MESSAGE_ID.test(id)))];
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
