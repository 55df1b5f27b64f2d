import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import { toStorableText } from '@tss/contracts';
import { withForwarded, type ForwardedMessage } from '../domain/inbound-forwarded';
import { storableHeaderText, storableMessageId } from '../domain/inbound-header-text';
import { standInMessageId, type InboundAttachment, type InboundMail } from '../domain/inbound-mail';
import { displayNameOf } from '../domain/mail-delivery';
import { withUtf7TextAsUtf8 } from './inbound-utf7';

/**
 * Every embedded message (`message/rfc822`) is left a file, inline or not, and unfolded here
 * (`bodyOf`): mailparser would merge an inline one into the text and keep any other as a file.
 */
const PARSER_OPTIONS = { skipImageLinks: true, ignoreEmbedded: true } as const;

/**
 * Forwards within forwards are unfolded this deep. A deeper one stays a `message/rfc822` file,
 * which intake refuses by its content with the usual note (P8), as it does a forward that cannot
 * be read (docs/adr/0035, addendum of 2026-12-05, first session).
 */
const MAX_FORWARD_DEPTH = 3;

/** The first sender with an address, and its display name as `displayNameOf` bounds it (one line, at most 200 characters). */
const firstSender = (from: AddressObject | AddressObject[] | undefined): { address: string; name?: string } | undefined => {
  const list = Array.isArray(from) ? from : from ? [from] : [];
  const sender = list.flatMap((a) => a.value).find((v) => v.address);
  const address = sender?.address === undefined ? undefined : storableHeaderText(sender.address).toLowerCase() || undefined;
  if (!address) return undefined;
  const name = displayNameOf(sender?.name);
  return { address, ...(name ? { name } : {}) };
};

/** The addresses of a header as "Name <address>", comma-separated; undefined when none. */
const addressesOf = (header: AddressObject | AddressObject[] | undefined): string | undefined => {
  const list = Array.isArray(header) ? header : header ? [header] : [];
  const written = list
    .flatMap((a) => a.value)
    .map((v) => {
      const name = displayNameOf(v.name);
      const address = v.address ? storableHeaderText(v.address) : '';
      return name && address ? `${name} <${address}>` : name || address;
    })
    .filter((a) => a !== '');
  return written.length > 0 ? written.join(', ') : undefined;
};

/** Header lines as written, unfolded: the value after the first colon. */
const rawHeaders = (parsed: ParsedMail): Map<string, string> => {
  const headers = new Map<string, string>();
  for (const { key, line } of parsed.headerLines) {
    if (headers.has(key)) continue;
    // Values end up in the recorded reason of ignored mail (`Auto-Submitted: …`): made storable here.
    headers.set(key.toLowerCase(), storableHeaderText(line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ')).trim());
  }
  return headers;
};

export type ParseFailure = { kind: 'unreadable'; detail: string };

/** The mail as mailparser reads it, its UTF-7 text parts decoded first (mailparser leaves them as bytes). */
const parse = async (raw: Buffer): Promise<{ ok: true; parsed: ParsedMail } | { ok: false; failure: ParseFailure }> => {
  try {
    return { ok: true, parsed: await simpleParser(await withUtf7TextAsUtf8(raw), PARSER_OPTIONS) };
  } catch (error) {
    return { ok: false, failure: { kind: 'unreadable', detail: error instanceof Error ? error.message : String(error) } };
  }
};

const HTML_BODY_HEADERS = Buffer.from('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n');

/**
 * HTML as mailparser reads a mail whose body is that HTML alone: html-to-text, within mailparser's
 * bounds on length and nesting. mailparser converts such a top-level body, but not an HTML part
 * inside multipart/mixed or multipart/related of a mail with no text/plain part: its text is then
 * undefined, and the request read "(empty message)" (docs/adr/0035, addendum of 2026-12-05).
 */
const htmlAsText = async (html: string): Promise<string> => {
  const read = await parse(Buffer.concat([HTML_BODY_HEADERS, Buffer.from(html, 'utf8')]));
  return read.ok ? (read.parsed.text ?? '') : '';
};

/** Text as the requester wrote it; HTML-only mail converted by mailparser (html-to-text), wherever its HTML part is. */
const textOf = async (parsed: ParsedMail): Promise<string> => {
  const text = parsed.text ?? (typeof parsed.html === 'string' ? await htmlAsText(parsed.html) : '');
  return toStorableText(text).trim();
};

const fileOf = (a: Attachment): InboundAttachment => ({
  filename: storableHeaderText(a.filename ?? '').trim() || 'attachment',
  contentType: storableHeaderText(a.contentType).trim() || 'application/octet-stream',
  content: a.content,
});

interface MailBody {
  text: string;
  forwarded: ForwardedMessage[];
  attachments: InboundAttachment[];
}

/**
 * A mail's text, the mails it forwards as files (unfolded), and its files and theirs; `depth` counts
 * the forwards it is inside. Every file counts, an inline (cid:) image too: a pasted screenshot is
 * the requester's evidence, and intake judges it as any other (P8: JPG, GIF, PNG kept, the rest
 * refused with the note and the mail). A signature's logo is no exception: no size or name tells
 * it from a small screenshot (docs/adr/0035, addendum of 2026-12-05, first session).
 */
const bodyOf = async (parsed: ParsedMail, depth: number): Promise<MailBody> => {
  const body: MailBody = { text: await textOf(parsed), forwarded: [], attachments: [] };
  for (const a of parsed.attachments) {
    const unfolded = a.contentType === 'message/rfc822' && depth < MAX_FORWARD_DEPTH ? await forwardedIn(a.content, depth + 1) : undefined;
    if (unfolded) {
      body.forwarded.push(unfolded.message);
      body.attachments.push(...unfolded.attachments);
    } else {
      body.attachments.push(fileOf(a));
    }
  }
  return body;
};

/** A forwarded mail's particulars and text (its own forwards in it), and its files; undefined when it cannot be read. */
const forwardedIn = async (raw: Buffer, depth: number): Promise<{ message: ForwardedMessage; attachments: InboundAttachment[] } | undefined> => {
  const read = await parse(raw);
  if (!read.ok) return undefined;
  const { parsed } = read;
  const body = await bodyOf(parsed, depth);
  const from = addressesOf(parsed.from);
  const date = rawHeaders(parsed).get('date');
  const subject = storableHeaderText(parsed.subject ?? '').trim();
  const to = addressesOf(parsed.to);
  return {
    message: { ...(from ? { from } : {}), ...(date ? { date } : {}), ...(subject ? { subject } : {}), ...(to ? { to } : {}), text: withForwarded(body.text, body.forwarded) },
    attachments: body.attachments,
  };
};

/** Parses raw RFC 5322 bytes with mailparser (charsets, UTF-7 included; quoted-printable, base64, HTML-only). */
export const parseInboundMail = async (raw: Buffer): Promise<{ ok: true; mail: InboundMail } | { ok: false; failure: ParseFailure }> => {
  const read = await parse(raw);
  if (!read.ok) return read;
  const { parsed } = read;
  const sender = firstSender(parsed.from);
  if (!sender) return { ok: false, failure: { kind: 'unreadable', detail: 'The mail has no From address.' } };
  const references = parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : parsed.references.split(/\s+/);
  const inReplyTo = storableMessageId(parsed.inReplyTo);
  const body = await bodyOf(parsed, 0);
  return {
    ok: true,
    mail: {
      // A mail without a Message-ID is identified by its bytes, so a second delivery is still recognised.
      // Header values and attachment names are made storable: PostgreSQL refuses a NUL, and a mail is
      // never a 500 or a 451 for one (docs/adr/0035-mail.md, addendum of 2026-12-04).
      messageId: storableMessageId(parsed.messageId) ?? standInMessageId(createHash('sha256').update(raw).digest('hex')),
      from: sender.address,
      ...(sender.name ? { fromName: sender.name } : {}),
      subject: storableHeaderText(parsed.subject ?? ''),
      text: body.text,
      forwarded: body.forwarded,
      ...(inReplyTo ? { inReplyTo } : {}),
      references: references.map(storableMessageId).filter((r): r is string => r !== undefined),
      headers: rawHeaders(parsed),
      attachments: body.attachments,
    },
  };
};
