import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { InboundMail } from '../domain/inbound-mail';

const firstAddress = (from: AddressObject | AddressObject[] | undefined): string | undefined => {
  const list = Array.isArray(from) ? from : from ? [from] : [];
  return list.flatMap((a) => a.value).find((v) => v.address)?.address?.toLowerCase();
};

/** Header lines as written, unfolded: the value after the first colon. */
const rawHeaders = (parsed: ParsedMail): Map<string, string> => {
  const headers = new Map<string, string>();
  for (const { key, line } of parsed.headerLines) {
    if (headers.has(key)) continue;
    headers.set(key.toLowerCase(), line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
  }
  return headers;
};

/** Text as the requester wrote it; HTML-only mail converted by mailparser (html-to-text). */
const textOf = (parsed: ParsedMail): string => (parsed.text ?? '').replace(/\u0000/g, '').trim();

export type ParseFailure = { kind: 'unreadable'; detail: string };

/** Parses raw RFC 5322 bytes with mailparser (charsets, quoted-printable, base64, HTML-only). */
export const parseInboundMail = async (raw: Buffer): Promise<{ ok: true; mail: InboundMail } | { ok: false; failure: ParseFailure }> => {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true });
  } catch (error) {
    return { ok: false, failure: { kind: 'unreadable', detail: error instanceof Error ? error.message : String(error) } };
  }
  const from = firstAddress(parsed.from);
  if (!from) return { ok: false, failure: { kind: 'unreadable', detail: 'The mail has no From address.' } };
  const references = parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : parsed.references.split(/\s+/);
  return {
    ok: true,
    mail: {
      // A mail without a Message-ID is identified by its bytes, so a second delivery is still recognised.
      messageId: parsed.messageId ?? `<sha256.${createHash('sha256').update(raw).digest('hex')}@inbound.tss>`,
      from,
      subject: (parsed.subject ?? '').replace(/\u0000/g, ''),
      text: textOf(parsed),
      ...(parsed.inReplyTo ? { inReplyTo: parsed.inReplyTo.trim() } : {}),
      references: references.filter((r) => r.length > 0),
      headers: rawHeaders(parsed),
      attachments: parsed.attachments
        .filter((a) => a.contentDisposition !== 'inline' || !a.related)
        .map((a) => ({ filename: a.filename ?? 'attachment', contentType: a.contentType, content: a.content })),
    },
  };
};
