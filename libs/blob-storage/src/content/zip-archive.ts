import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { ArchiveEntry } from './archive-policy';
import { SNIFF_BYTES } from './sniff-content';

/** A ZIP that cannot be listed (no end record, a corrupt directory). */
export class UnreadableArchiveError extends Error {}

const nextEntry = (zip: ZipFile): Promise<Entry | null> =>
  new Promise((resolve, reject) => {
    const onEntry = (entry: Entry) => done(null, entry);
    const onEnd = () => done(null, null);
    const onError = (error: Error) => done(error, null);
    const done = (error: Error | null, entry: Entry | null) => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
      if (error) reject(error);
      else resolve(entry);
    };
    zip.on('entry', onEntry).once('end', onEnd).once('error', onError);
    zip.readEntry();
  });

/** Reads at most `limit` bytes from the stream and destroys it: the rest is never inflated. */
export const readHead = async (stream: Readable, limit: number): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= limit) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit);
};

const ZIP_STORED = 0;
const ZIP_DEFLATED = 8;

/**
 * A ZIP's entries from its central directory, without extracting anything. The entry count comes
 * from the end record before any entry is read, so an archive over `maxEntries` is refused with
 * one entry too many listed at most.
 */
export class ZipArchive {
  private constructor(
    private readonly zip: ZipFile,
    private readonly raw: Map<string, Entry>,
    readonly entries: ArchiveEntry[],
    readonly declaredEntryCount: number,
  ) {}

  static async open(bytes: Buffer, maxEntries: number): Promise<ZipArchive> {
    let zip: ZipFile;
    try {
      zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true, decodeStrings: true, strictFileNames: false, validateEntrySizes: true });
    } catch (error) {
      throw new UnreadableArchiveError('The ZIP archive cannot be read.', { cause: error });
    }
    const raw = new Map<string, Entry>();
    const entries: ArchiveEntry[] = [];
    try {
      while (entries.length <= maxEntries) {
        const entry = await nextEntry(zip);
        if (!entry) break;
        const key = `${entries.length}:${entry.fileName}`;
        raw.set(key, entry);
        entries.push({
          name: entry.fileName,
          directory: entry.fileName.endsWith('/'),
          encrypted: entry.isEncrypted(),
          readable: entry.compressionMethod === ZIP_STORED || entry.compressionMethod === ZIP_DEFLATED,
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
        });
      }
    } catch (error) {
      zip.close();
      throw new UnreadableArchiveError('The ZIP archive directory is corrupt.', { cause: error });
    }
    return new ZipArchive(zip, raw, entries, zip.entryCount);
  }

  /** Fills in each file entry's first bytes, inflating no more of it than that. */
  async readHeads(): Promise<void> {
    let index = 0;
    for (const [key, raw] of this.raw) {
      const entry = this.entries[index++];
      if (entry.directory) continue;
      try {
        entry.head = await readHead(await this.zip.openReadStreamPromise(raw), SNIFF_BYTES);
      } catch (error) {
        throw new UnreadableArchiveError(`The ZIP entry ${key} cannot be read.`, { cause: error });
      }
    }
  }

  close(): void {
    this.zip.close();
  }
}
