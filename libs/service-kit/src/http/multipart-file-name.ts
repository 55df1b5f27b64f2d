/**
 * The file name a browser meant, from the `filename` of a multipart/form-data part. The HTML
 * standard's form encoding (WHATWG "multipart/form-data encoding algorithm") writes a name's `"`
 * as `%22`, CR as `%0D` and LF as `%0A`, and nothing else: so exactly those three are decoded, and
 * any other `%` is the name's own character (`100%25.png` stays as it is). Busboy does not decode
 * them (RFC 7578 left it open), and a name kept encoded would be encoded again by the next
 * encoder (`%2522` in a Content-Disposition). Sanitising is the caller's, after this.
 */
export function multipartFileNameOf(sent: string): string;
/** A part busboy read as a file without a `filename` (declared binary) has none: undefined stays so. */
export function multipartFileNameOf(sent: string | undefined): string | undefined;
export function multipartFileNameOf(sent: string | undefined): string | undefined {
  return sent?.replace(/%(22|0D|0A)/gi, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
