/**
 * P8: the new part of a reply: quoted history and signatures cut off, as the mail clients of the
 * corpus (test/fixtures/mail) write them. Conservative: a line is a quote header only when it has
 * the shape a client writes, so a person's own "From:" in the middle of a text is kept unless a
 * "Sent:"/"Date:" line follows it as in a quoted header block.
 */

const QUOTE_HEADER_LINES: readonly RegExp[] = [
  /^On .{4,200}\bwrote:\s*$/i, // Gmail, Apple Mail, Thunderbird (EN)
  /^.{4,200}\sпишет:\s*$/i, // Thunderbird, Gmail, Yandex (RU); \b knows no Cyrillic
  // Apple Mail (RU) writes "написал(а):", not knowing the sender's gender; others pick one form.
  /^.{4,200}\sнаписал(?:а|\(а\))?:\s*$/i,
  /^-{2,}\s*(Original Message|Исходное сообщение|Reply message|Пересылаемое сообщение|Forwarded message)\s*-{2,}\s*$/i,
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
  /^(Отправлено|Послано) (с|из|со)\b/i,
  /^(С уважением|Best regards|Kind regards|Regards)[,.!]?\s*$/i,
];

const isQuoteHeader = (lines: readonly string[], i: number): boolean => {
  const line = lines[i].trim();
  if (QUOTE_HEADER_LINES.some((p) => p.test(line)) || isTimeThenSenderLine(line)) return true;
  // A header wrapped over two lines ("On Mon, 1 Dec 2026 at 10:00, TSS <" / "support@x> wrote:").
  const joined = `${line} ${(lines[i + 1] ?? '').trim()}`;
  if (lines[i + 1] !== undefined && WRAPPED_HEADER_END.test(joined) && /^(On |\d|[А-ЯЁа-яё])/.test(line) && !HEADER_VERB.test(line)) return true;
  if (RULE_LINE.test(line)) {
    const next = lines.slice(i + 1, i + 4).find((l) => l.trim() !== '');
    if (next !== undefined && HEADER_BLOCK_START.test(next.trim())) return true;
  }
  if (HEADER_BLOCK_START.test(line)) {
    for (let k = i + 1; k < Math.min(lines.length, i + 5); k += 1) if (HEADER_BLOCK_NEXT.test(lines[k].trim())) return true;
  }
  return false;
};

export const stripQuotedReply = (text: string): string => {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i].trim();
    if (i > 0 && (isQuoteHeader(lines, i) || SIGNATURE_LINES.some((p) => p.test(line)))) {
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
