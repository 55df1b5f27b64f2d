/** What a file is by its first bytes (its "magic"), never by its name or declared type (P8). */
export type ContentKind = 'jpeg' | 'png' | 'gif' | 'bmp' | 'zip' | 'rar' | 'other';

/** How many leading bytes `sniffContent` looks at; fewer are enough for most kinds. */
export const SNIFF_BYTES = 32;

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

// A BITMAPFILEHEADER ("BM") followed by one of the DIB header sizes Windows and OS/2 define:
// "BM" alone is too common a start of text to call a file a bitmap.
const DIB_HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);
const isBmp = (bytes: Uint8Array): boolean =>
  startsWith(bytes, ascii('BM')) && bytes.length >= 18 && DIB_HEADER_SIZES.has(bytes[14] | (bytes[15] << 8) | (bytes[16] << 16) | (bytes[17] << 24));

/**
 * The kind of a file from its first bytes (at least SNIFF_BYTES when it has them): JPEG (SOI and a
 * marker), PNG (its 8-byte signature), GIF (87a or 89a), BMP, ZIP (a local file header, or the end
 * record of an empty archive), RAR 4 or 5. Anything else is `other`.
 */
export const sniffContent = (head: Uint8Array): ContentKind => {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'gif';
  if (isBmp(head)) return 'bmp';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(head, [...ascii('Rar!'), 0x1a, 0x07, 0x00]) || startsWith(head, [...ascii('Rar!'), 0x1a, 0x07, 0x01, 0x00])) return 'rar';
  return 'other';
};

/** The media type a kind is stored and served with. */
export const MEDIA_TYPES: Readonly<Record<Exclude<ContentKind, 'other'>, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  zip: 'application/zip',
  rar: 'application/vnd.rar',
};

/** File-name extensions of each kind: a stored name keeps its own when it fits, else gets the first. */
export const EXTENSIONS: Readonly<Record<Exclude<ContentKind, 'other'>, readonly string[]>> = {
  jpeg: ['.jpg', '.jpeg', '.jpe', '.jfif'],
  png: ['.png'],
  gif: ['.gif'],
  bmp: ['.bmp', '.dib'],
  zip: ['.zip'],
  rar: ['.rar'],
};
