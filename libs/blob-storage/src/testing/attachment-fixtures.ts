import { crc32, deflateRawSync } from 'node:zlib';

// Tiny but real files of each kind, made here so no binary needs committing.

/** A 1×1 PNG. */
export const pngBytes = (): Buffer =>
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** A 1×1 GIF (89a). */
export const gifBytes = (): Buffer => Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** A 1×1 baseline JPEG (JFIF). */
export const jpegBytes = (): Buffer =>
  Buffer.from(
    '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=',
    'base64',
  );

/** A 24-bit BMP of `width`×`height` pixels of one colour (BITMAPINFOHEADER). */
export const bmpBytes = (width = 2, height = 2, rgb: [number, number, number] = [200, 30, 30]): Buffer => {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const pixels = Buffer.alloc(rowBytes * height);
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) pixels.set([rgb[2], rgb[1], rgb[0]], y * rowBytes + x * 3);
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'ascii');
  header.writeUInt32LE(54 + pixels.length, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(pixels.length, 34);
  return Buffer.concat([header, pixels]);
};

export interface ZipFixtureEntry {
  name: string;
  data: Buffer;
  method?: 'store' | 'deflate';
  /** Sets the "encrypted" flag; the data is written as it is (the ciphertext), never deflated. */
  encrypted?: boolean;
}

/** A ZIP archive (PKWARE APPNOTE 4.3) of these entries, written by hand: local headers, central directory, end record. */
export const zipBytes = (entries: readonly ZipFixtureEntry[]): Buffer => {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const deflate = (entry.method ?? 'deflate') === 'deflate';
    const body = deflate && !entry.encrypted ? deflateRawSync(entry.data) : entry.data;
    const crc = crc32(entry.data);
    const flags = 0x0800 | (entry.encrypted ? 0x0001 : 0); // UTF-8 names
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    // An encrypted entry's size is what its plaintext would be: here, the ciphertext's.
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
};

/** A ZIP of one entry of `uncompressedBytes` zero bytes, deflated: a compression bomb (ratio about 1000). */
export const zipBombBytes = (uncompressedBytes = 20 * 1_048_576): Buffer => zipBytes([{ name: 'screen.bmp', data: Buffer.alloc(uncompressedBytes) }]);

// RAR 5.0 variable-length integers: 7 bits a byte, least significant first, high bit = more.
const vint = (value: number): Buffer => {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
};

/** One RAR 5 header block: CRC32 of what follows it, the size, then type, flags and fields. */
const rarBlock = (type: number, flags: number, fields: Buffer[]): Buffer => {
  const body = Buffer.concat([vint(type), vint(flags), ...fields]);
  const withSize = Buffer.concat([vint(body.length), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(withSize), 0);
  return Buffer.concat([crc, withSize]);
};

export interface RarFixtureEntry {
  name: string;
  data: Buffer;
  /** Sets the declared unpacked size (default: the data's length); the data is stored as it is. */
  declaredSize?: number;
}

/**
 * A RAR 5 archive (rarlab.com "RAR 5.0 archive format") with its entries stored uncompressed,
 * hand-written since no RAR writer may be a test dependency: signature, main archive header, one
 * file header and data area per entry, end of archive header.
 */
export const rarBytes = (entries: readonly RarFixtureEntry[]): Buffer => {
  const signature = Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00]);
  const main = rarBlock(1, 0, [vint(0)]);
  const files = entries.map((entry) => {
    const name = Buffer.from(entry.name, 'utf8');
    const dataCrc = Buffer.alloc(4);
    dataCrc.writeUInt32LE(crc32(entry.data), 0);
    const header = rarBlock(2, 0x0002, [
      vint(entry.data.length), // data size (header flag 0x0002)
      vint(0x0004), // file flags: data CRC32 present
      vint(entry.declaredSize ?? entry.data.length), // unpacked size
      vint(0x20), // attributes (archive)
      dataCrc,
      vint(0), // compression: version 0, method 0 (store)
      vint(0), // host OS: Windows
      vint(name.length),
      name,
    ]);
    return Buffer.concat([header, entry.data]);
  });
  const end = rarBlock(5, 0, [vint(0)]);
  return Buffer.concat([signature, main, ...files, end]);
};
