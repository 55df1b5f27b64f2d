import { err, ok, type Result } from '../result';

/**
 * Options for @fastify/multipart (busboy's `isPartAFile`): every part arrives as a stream, text
 * fields too. busboy would decode a text field itself, with U+FFFD for bytes that are not UTF-8,
 * so invalid input would be changed rather than refused (DESIGN "Edge input", docs/adr/0063).
 * Its `files` limit then counts text fields as well; `readTextPart` bounds each one.
 */
export const STREAM_EVERY_PART = { isPartAFile: (): boolean => true } as const;

/** A part busboy would have taken for a text field: no filename, and not declared binary. */
export const isTextPart = (part: { filename?: string; mimetype: string }): boolean => part.filename === undefined && part.mimetype !== 'application/octet-stream';

export type TextPartProblem = 'too_large' | 'not_utf8';

/** Bytes as UTF-8 text exactly as sent (a leading BOM kept), or undefined when they are not UTF-8. */
export const decodeUtf8Strictly = (bytes: Uint8Array): string | undefined => {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
};

/**
 * The text of a multipart text part (streamed, see STREAM_EVERY_PART): at most `maxBytes`, and
 * UTF-8 whatever charset the part declares (RFC 7578 section 5.1.2: forms send UTF-8).
 * Reading stops at the limit; the caller refuses the request and drops the rest of its body.
 */
export const readTextPart = async (stream: AsyncIterable<Buffer>, maxBytes: number): Promise<Result<string, TextPartProblem>> => {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.length;
    if (bytes > maxBytes) return err('too_large');
    chunks.push(chunk);
  }
  const text = decodeUtf8Strictly(Buffer.concat(chunks));
  return text === undefined ? err('not_utf8') : ok(text);
};
