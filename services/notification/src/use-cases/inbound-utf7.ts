import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Joiner, Rewriter, Splitter, type MimeNode } from '@zone-eu/mailsplit';
import iconv from 'iconv-lite';

// The names of UTF-7 (RFC 2152) a charset parameter may carry, compared as iconv-lite compares them
// (case and punctuation ignored). UTF-7-IMAP is a mailbox-name encoding, never a body's.
const UTF7_NAMES = new Set(['utf7', 'unicode11utf7', 'csunicode11utf7']);
const isUtf7 = (charset: string | false): boolean => charset !== false && UTF7_NAMES.has(charset.toLowerCase().replace(/[^a-z0-9]/g, ''));

const isUtf7Text = (node: MimeNode): boolean =>
  (node.contentType === 'text/plain' || node.contentType === 'text/html') && node.disposition !== 'attachment' && isUtf7(node.charset);

// Every name above holds "utf7" or "utf-7": a mail without either has no UTF-7 part, and is read as it came.
const MAY_HOLD_UTF7 = /utf-?7/i;

/**
 * The mail with its UTF-7 text parts re-encoded as UTF-8 (quoted-printable), everything else as it
 * came. mailparser (and libmime) refuse to decode UTF-7: "+ADw-script+AD4-" is "<script>", which a
 * filter looking for "<" in the bytes would miss. Nothing here filters bytes: the text goes to a
 * ticket as text, escaped wherever it is shown, and HTML is only ever converted to text. So a
 * requester writing in UTF-7 is read, by iconv-lite's codec, the decoder libmime itself builds on
 * (docs/adr/0035, addendum of 2026-12-05, first session). Embedded messages are left as they are:
 * each is read on its own when it is unfolded (`inbound-parse.ts`).
 */
export const withUtf7TextAsUtf8 = async (raw: Buffer): Promise<Buffer> => {
  if (!MAY_HOLD_UTF7.test(raw.toString('latin1'))) return raw;
  const rewriter = new Rewriter(isUtf7Text);
  rewriter.on('node', ({ node, decoder, encoder }) => {
    // Before the first byte of the new body: the node's headers go out with it.
    node.setCharset('utf-8');
    decoder.pipe(iconv.decodeStream('utf7')).pipe(iconv.encodeStream('utf8')).pipe(encoder);
  });
  const chunks: Buffer[] = [];
  const collect = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await pipeline(Readable.from([raw]), new Splitter({ ignoreEmbedded: true }), rewriter, new Joiner(), collect);
  return Buffer.concat(chunks);
};
