/**
 * P8: the new part of a reply: quoted history and signatures cut off, as the mail clients of the
 * corpus (test/fixtures/mail) write them. Conservative: a line is a quote header only when it has
 * the shape a client writes, so a person's own "From:" in the middle of a text is kept unless a
 * "Sent:"/"Date:" line follows it as in a quoted header block.
 * A forward is content, never history: from the first forward marker on, the text is kept whole
 * (docs/adr/0035, addendum of 2026-12-05, first session). Only mail threaded onto a ticket is cut
 * at all: a mail that opens one is filed whole (`filedText`).
 */

// Outlook's and others' rule above a quoted mail, a reply's or a forward's alike.
const ORIGINAL_MESSAGE_LINE = /^-{2,}\s*(Original Message|Исходное сообщение|Reply message)\s*-{2,}\s*$/i;

const QUOTE_HEADER_LINES: readonly RegExp[] = [
  /^On .{4,200}\bwrote:\s*$/i, // Gmail, Apple Mail, Thunderbird (EN)
  /^.{4,200}\sпишет:\s*$/i, // Thunderbird, Gmail, Yandex (RU); \b knows no Cyrillic
  // Apple Mail (RU) writes "написал(а):", not knowing the sender's gender; others pick one form.
  /^.{4,200}\sнаписал(?:а|\(а\))?:\s*$/i,
  ORIGINAL_MESSAGE_LINE,
];

// What `.` does not match: a time-then-sender header is one line.
const LINE_BREAK = /[\n\r\u2028\u2029]/;
// The characters before a closing `>:` at the end of the line, from the last blank or ">" before it.
// The look-behind starts a match only where such a run starts, so each run is read once.
const RUN_BEFORE_CLOSING = /(?<![^>\s])[^>\s]+(?=>:\s*$)/;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * A time, then the sender's address and a colon ending the line: Gmail (RU), Yandex, Mail.ru
 * ("1 дек. 2026 г., в 10:00, Иван <ivan@example.com>:"). The lines that
 * /^.{0,200}\d{1,2}:\d{2}.{0,200}<[^>\s]+@[^>\s]+>:\s*$/ matches, found in time linear in the
 * line: that regex read the rest of the line again for every place the time, the "<" and the "@"
 * could be, quadratic and worse on a long line of an inbound mail (docs/adr/0061).
 */
const isTimeThenSenderLine = (line: string): boolean => {
  const run = RUN_BEFORE_CLOSING.exec(line);
  if (!run) return false;
  const closing = run.index + run[0].length;
  // The address is "<", then an "@" with a character on each side, up to the closing ">".
  const lastAt = line.lastIndexOf('@', closing - 2);
  // Where each time (H:MM or HH:MM) starting within the first 200 characters ends.
  const timeEnds: number[] = [];
  for (let colon = 1; colon <= 202 && colon + 2 < line.length; colon += 1) {
    if (line[colon] !== ':' || !isDigit(line[colon - 1]) || !isDigit(line[colon + 1]) || !isDigit(line[colon + 2])) continue;
    if (colon <= 201 || isDigit(line[colon - 2])) timeEnds.push(colon + 3);
  }
  if (timeEnds.length === 0) return false;
  // The "<" within 200 characters after a time; the times end within 205 characters, so their
  // windows join into one.
  const open = line.indexOf('<', Math.max(run.index, timeEnds[0]));
  const lineBreak = line.search(LINE_BREAK);
  return open !== -1 && open <= Math.min(lastAt - 2, timeEnds[timeEnds.length - 1] + 200) && (lineBreak === -1 || open < lineBreak);
};

// The verb ending a quote header, and the same at the end of a header wrapped over two lines.
// Each alternative starts with a literal that no quantifier before it shares (docs/adr/0061).
const HEADER_VERB = /wrote:|пишет:|написал(?:а|\(а\))?:/i;
const WRAPPED_HEADER_END = /\bwrote:\s*$|\s(?:пишет|написал(?:а|\(а\))?):\s*$/i;

/** Outlook puts a rule (underscores; dashes once converted from HTML) above the quoted header block. */
const RULE_LINE = /^(_{10,}|-{20,})\s*$/;

const HEADER_BLOCK_START = /^\*?(From|От|De|Von)\s*:\s*\*?\s*\S/i;
const HEADER_BLOCK_NEXT = /^\*?(Sent|Date|Отправлено|Дата|To|Кому|Subject|Тема)\s*:/i;

const SIGNATURE_LINES: readonly RegExp[] = [
  /^--\s?$/, // RFC 3676 §4.3 signature separator
  /^(Sent from|Sent with|Get Outlook for)\b/i,
  // Not `\b`, which knows no Cyrillic: after "с" it never matched, and "Отправлено с iPhone" was words.
  /^(Отправлено|Послано) (с|из|со)(?=\s|$)/i,
  /^(С уважением|Best regards|Kind regards|Regards)[,.!]?\s*$/i,
];

/** Outlook's header block of a quoted mail: a rule above "From:", or "From:" followed within four lines by "Sent:"/"Date:"/… */
const isHeaderBlock = (lines: readonly string[], i: number): boolean => {
  const line = lines[i].trim();
  if (RULE_LINE.test(line)) {
    const next = lines.slice(i + 1, i + 4).find((l) => l.trim() !== '');
    if (next !== undefined && HEADER_BLOCK_START.test(next.trim())) return true;
  }
  if (HEADER_BLOCK_START.test(line)) {
    for (let k = i + 1; k < Math.min(lines.length, i + 5); k += 1) if (HEADER_BLOCK_NEXT.test(lines[k].trim())) return true;
  }
  return false;
};

const isQuoteHeader = (lines: readonly string[], i: number): boolean => {
  const line = lines[i].trim();
  if (QUOTE_HEADER_LINES.some((p) => p.test(line)) || isTimeThenSenderLine(line)) return true;
  // A header wrapped over two lines ("On Mon, 1 Dec 2026 at 10:00, TSS <" / "support@x> wrote:").
  const joined = `${line} ${(lines[i + 1] ?? '').trim()}`;
  if (lines[i + 1] !== undefined && WRAPPED_HEADER_END.test(joined) && /^(On |\d|[А-ЯЁа-яё])/.test(line) && !HEADER_VERB.test(line)) return true;
  return isHeaderBlock(lines, i);
};

/**
 * The lines that open a forwarded mail, as clients write them: Gmail, Thunderbird, Yandex and
 * Mail.ru a dashed "Forwarded message" rule (English or Russian), Apple Mail a line of its own.
 */
const FORWARD_MARKERS: readonly RegExp[] = [
  /^-{2,}\s*(Forwarded message|Пересылаемое сообщение|Начало переадресованного сообщения|Переадресованное сообщение)\s*-{2,}\s*$/i,
  /^(Begin forwarded message|Начало переадресованного сообщения)\s*:\s*$/i,
];

/**
 * A subject that says its mail is a forward: the first prefix Fwd/Fw (and Outlook's TR, WG, RV,
 * Пересл), not "Re: Fw: …", a reply to one.
 */
const FORWARD_SUBJECT = /^\s*(?:fwd?|tr|wg|rv|пересл\.?)\s*:/i;

/**
 * Where the first forwarded mail starts, if any. Outlook writes the same rule and header block
 * (or "-----Original Message-----") above a forward as above a reply: only the mail's subject
 * tells them apart, so under a forward's subject that block opens the forward.
 */
const forwardStart = (lines: readonly string[], subject: string): number => {
  const forwardSubject = FORWARD_SUBJECT.test(subject);
  return lines.findIndex((raw, i) => {
    const line = raw.trim();
    return FORWARD_MARKERS.some((p) => p.test(line)) || (forwardSubject && (ORIGINAL_MESSAGE_LINE.test(line) || isHeaderBlock(lines, i)));
  });
};

/**
 * The lines before the first quote header or signature of a reply, and before a quoted tail. The
 * thread's text is cut from line `firstCut` on (1: its first line is kept, whatever it reads as);
 * whether the reply has words of its own is asked from line 0.
 */
const withoutHistory = (lines: readonly string[], firstCut: number): string => {
  let end = lines.length;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i].trim();
    if (i >= firstCut && (isQuoteHeader(lines, i) || SIGNATURE_LINES.some((p) => p.test(line)))) {
      end = i;
      break;
    }
    if (line.startsWith('>') && lines.slice(i).every((l) => l.trim() === '' || l.trim().startsWith('>'))) {
      end = i;
      break;
    }
  }
  return lines.slice(0, end).join('\n').trim();
};

const ownPart = (text: string, subject: string, firstCut: number): string => {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const forwardAt = forwardStart(lines, subject);
  if (forwardAt === -1) return withoutHistory(lines, firstCut);
  const forward = lines.slice(forwardAt).join('\n').trim();
  return [withoutHistory(lines.slice(0, forwardAt), firstCut), forward].filter((part) => part !== '').join('\n\n');
};

/**
 * A reply's own words without the quoted history (of our mail, which it answers) and signature.
 * A forward in it is kept whole, whatever it holds: the part above it loses its history and
 * signature as any reply does. `subject` is the mail's own (Outlook forwards are told by it).
 */
export const stripQuotedReply = (text: string, subject = ''): string => ownPart(text, subject, 1);

/**
 * Whether a reply holds words its sender wrote: anything but a quote header, quoted lines, a
 * signature and white space, from its first line on. A forward in it is content, so words
 * (docs/adr/0035, addendum of 2026-12-05, fifth session: such a reply describes no request).
 */
export const hasOwnWords = (text: string, subject = ''): boolean => ownPart(text, subject, 0) !== '';
