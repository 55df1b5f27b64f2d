import type { Language } from '@tss/contracts';
import { ALL_SUBJECT_LEADS } from './mail-subject-leads';

/** Letters read to tell the language: a request states its matter early, and a 30 MiB mail is not read whole. */
const LETTERS_READ = 4_000;

const CYRILLIC = /\p{Script=Cyrillic}/u;
const LATIN = /\p{Script=Latin}/u;

// What a reply puts before the requester's words, none of them theirs: the mail program's "Re:",
// "Fwd:", "AW:", "Отв:" …, and our "[TSS-XXXXX-XXXXC]" with our lead ("Resolved", «Решено»).
// Anchored and bounded, so stripping them is linear (docs/adr/0061).
const REPLY_PREFIX = /^(?:re|fwd?|aw|wg|sv|vs|antw|отв|пересл)(?:\[\d{1,3}\])?\s{0,3}:\s*/i;
const OUR_REFERENCE = /^\[TSS-[0-9A-Z]{5}-[0-9A-Z]{5}\]\s*/i;

/** Our lead at the start of `rest` (then a colon, or nothing): its length, else 0. */
const ourLeadLength = (rest: string): number => {
  const lower = rest.toLowerCase();
  for (const lead of ALL_SUBJECT_LEADS) {
    if (!lower.startsWith(lead.toLowerCase())) continue;
    const after = /^\s*(?::\s*|$)/.exec(rest.slice(lead.length));
    if (after) return lead.length + after[0].length;
  }
  return 0;
};

/**
 * A reply's subject without the words that are not its sender's: reply prefixes, and our reference
 * with the lead of the mail it answers. What follows is the request's subject, the requester's words.
 */
export const subjectWithoutOurs = (subject: string): string => {
  let rest = subject.trim();
  for (let stripped = true; stripped; ) {
    stripped = false;
    const prefix = REPLY_PREFIX.exec(rest);
    if (prefix) {
      rest = rest.slice(prefix[0].length);
      stripped = true;
    }
    const reference = OUR_REFERENCE.exec(rest);
    if (reference) {
      rest = rest.slice(reference[0].length);
      rest = rest.slice(ourLeadLength(rest));
      stripped = true;
    }
  }
  return rest;
};

/**
 * The language a mailed request is written in, for the ticket it files and all of its mail: `ru`
 * when its letters (subject, then the text without quoted history) are mainly Cyrillic, else `en`,
 * the two languages TSS writes. Letters only: digits, product names in Latin script and
 * punctuation in a Russian mail do not outvote its words unless they outnumber them; nor do the
 * words of ours a reply's subject carries ("Re: [TSS-…] Решено": docs/adr/0035, addendum of
 * 2026-12-05, sixth session). A follow-up takes the language of the request it follows up (intake).
 */
export const mailLanguage = (subject: string, text: string): Language => {
  let cyrillic = 0;
  let latin = 0;
  for (const char of `${subjectWithoutOurs(subject)}\n${text}`) {
    if (CYRILLIC.test(char)) cyrillic += 1;
    else if (LATIN.test(char)) latin += 1;
    else continue;
    if (cyrillic + latin >= LETTERS_READ) break;
  }
  return cyrillic > latin ? 'ru' : 'en';
};
