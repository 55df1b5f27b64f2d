import type { Language } from '@tss/contracts';

/** Letters read to tell the language: a request states its matter early, and a 30 MiB mail is not read whole. */
const LETTERS_READ = 4_000;

const CYRILLIC = /\p{Script=Cyrillic}/u;
const LATIN = /\p{Script=Latin}/u;

/**
 * The language a mailed request is written in, for the ticket it files and all of its mail: `ru`
 * when its letters (subject, then the text without quoted history) are mainly Cyrillic, else `en`,
 * the two languages TSS writes. Letters only: digits, product names in Latin script and
 * punctuation in a Russian mail do not outvote its words unless they outnumber them.
 */
export const mailLanguage = (subject: string, text: string): Language => {
  let cyrillic = 0;
  let latin = 0;
  for (const char of `${subject}\n${text}`) {
    if (CYRILLIC.test(char)) cyrillic += 1;
    else if (LATIN.test(char)) latin += 1;
    else continue;
    if (cyrillic + latin >= LETTERS_READ) break;
  }
  return cyrillic > latin ? 'ru' : 'en';
};
