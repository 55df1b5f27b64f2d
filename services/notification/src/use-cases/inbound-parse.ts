import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { toStorableText } from '@tss/contracts';
import { storableHeaderText, storableMessageId } from '../domain/inbound-header-text';
import { standInMessageId, type InboundMail } from '../domain/inbound-mail';
import { displayNameOf } from '../domain/mail-delivery';

/** The first sender with an address, and its display name as `displayNameOf` bounds it (one line, at most 200 characters). */
const firstSender = (from: AddressObject | AddressObject[] | undefined): { address: string; name?: string } | undefined => {
  const list = Array.isArray(from) ? from : from ? [from] : [];
  const sender = list.flatMap((a) => a.value).find((v) => v.address);
  const address = sender?.address === undefined ? undefined : storableHeaderText(sender.address).toLowerCase() || undefined;
  if (!address) return undefined;
  const name = displayNameOf(sender?.name);
  return { address, ...(name ? { name } : {}) };
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

/** Text as the requester wrote it; HTML-only mail converted by mailparser (html-to-text). */
const textOf = (parsed: ParsedMail): string => toStorableText(parsed.text ?? '').trim();

export type ParseFailure = { kind: 'unreadable'; detail: string };

/** Parses raw RFC 5322 bytes with mailparser (charsets, quoted-printable, base64, HTML-only). */
export const parseInboundMail = async (raw: Buffer): Promise<{ ok: true; mail: InboundMail } | { ok: false; failure: ParseFailure }> => {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true });
  } catch (error) {
    return { ok: false, failure: { kind: 'unreadable', detail: error instanceof Error ? error.message : String(error) } };
  }
  const sender = firstSender(parsed.from);
  if (!sender) return { ok: false, failure: { kind: 'unreadable', detail: 'The mail has no From address.' } };
  const references = parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : parsed.references.split(/\s+/);
  const inReplyTo = storableMessageId(parsed.inReplyTo);
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
      text: textOf(parsed),
      ...(inReplyTo ? { inReplyTo } : {}),
      references: references.map(storableMessageId).filter((r): r is string => r !== undefined),
      headers: rawHeaders(parsed),
      attachments: parsed.attachments
        .filter((a) => a.contentDisposition !== 'inline' || !a.related)
        .map((a) => ({
          filename: storableHeaderText(a.filename ?? '').trim() || 'attachment',
          contentType: storableHeaderText(a.contentType).trim() || 'application/octet-stream',
          content: a.content,
        })),
    },
  };
};
