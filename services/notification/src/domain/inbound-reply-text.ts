/**
 * P8: the new part of a reply: quoted history and signatures cut off, as the mail clients of the
 * corpus (test/fixtures/mail) write them. Conservative: a line is a quote header only when it has
 * the shape a client writes, so a person's own "From:" in the middle of a text is kept unless a
 * "Sent:"/"Date:" line follows it as in a quoted header block.
 */

const QUOTE_HEADER_LINES: readonly RegExp[] = [
  /^On .{4,200}\bwrote:\s*$/i, // Gmail, Apple Mail, Thunderbird (EN)
  /^.{4,200}\sпишет:\s*$/i, // Thunderbird, Gmail, Yandex (RU); \b knows no Cyrillic
  /^.{4,200}\sнаписала?:\s*$/i,
  /^.{0,200}\d{1,2}:\d{2}.{0,200}<[^>\s]+@[^>\s]+>:\s*$/, // a time, then the sender's address and a colon: Gmail (RU), Yandex, Mail.ru
  /^-{2,}\s*(Original Message|Исходное сообщение|Reply message|Пересылаемое сообщение|Forwarded message)\s*-{2,}\s*$/i,
];

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
  if (QUOTE_HEADER_LINES.some((p) => p.test(line))) return true;
  // A header wrapped over two lines ("On Mon, 1 Dec 2026 at 10:00, TSS <" / "support@x> wrote:").
  const joined = `${line} ${(lines[i + 1] ?? '').trim()}`;
  if (lines[i + 1] !== undefined && /\bwrote:\s*$|\sпишет:\s*$/i.test(joined) && /^(On |\d|[А-ЯЁа-яё])/.test(line) && !/wrote:|пишет:/i.test(line)) return true;
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
