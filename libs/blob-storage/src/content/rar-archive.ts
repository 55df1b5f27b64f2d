import { createExtractorFromData, UnrarError, type FileHeader } from 'node-unrar-js';
import type { ArchiveEntry } from './archive-policy';
import { SNIFF_BYTES } from './sniff-content';
import { UnreadableArchiveError } from './zip-archive';

// node-unrar-js drives one WebAssembly unrar through a module-wide singleton that calls back into
// "the current extractor": two archives open across an await would read each other's bytes. So
// every use is serialised here.
let queue: Promise<unknown> = Promise.resolve();
const serialised = <T>(work: () => Promise<T>): Promise<T> => {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
};

const toEntry = (header: FileHeader): ArchiveEntry => ({
  name: header.name,
  directory: header.flags.directory,
  encrypted: header.flags.encrypted,
  readable: true,
  compressedSize: header.packSize,
  uncompressedSize: header.unpSize,
});

const unreadable = (error: unknown): UnreadableArchiveError =>
  new UnreadableArchiveError(error instanceof UnrarError ? `The RAR archive cannot be read (${error.reason}).` : 'The RAR archive cannot be read.', { cause: error });

/**
 * A RAR's entries from its headers (RAR 4 and 5): names, flags, packed and unpacked sizes. Listing
 * unpacks nothing; `readHeads` unpacks one entry at a time, and only after the listing passed the
 * archive policy, so what it unpacks is bounded by ARCHIVE_MAX_UNCOMPRESSED_BYTES.
 */
export const listRar = (bytes: Buffer, maxEntries: number): Promise<ArchiveEntry[] | { headerEncrypted: true } | { multiVolume: true }> =>
  serialised(async () => {
    try {
      const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const list = (await createExtractorFromData({ data })).getFileList();
      if (list.arcHeader.flags.headerEncrypted) return { headerEncrypted: true };
      if (list.arcHeader.flags.volume) return { multiVolume: true };
      const entries: ArchiveEntry[] = [];
      for (const header of list.fileHeaders) {
        entries.push(toEntry(header));
        if (entries.length > maxEntries) break;
      }
      return entries;
    } catch (error) {
      throw unreadable(error);
    }
  });

/** Fills in the first bytes of each file entry (`entries` as `listRar` gave them, in that order). */
export const readRarHeads = (bytes: Buffer, entries: ArchiveEntry[]): Promise<void> =>
  serialised(async () => {
    try {
      const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const extracted = (await createExtractorFromData({ data })).extract({ files: (header) => !header.flags.directory });
      const files = entries.filter((e) => !e.directory);
      let index = 0;
      // Each step of the generator unpacks one entry; its bytes are dropped once its head is kept.
      for (const file of extracted.files) {
        const entry = files[index++];
        if (!entry || entry.name !== file.fileHeader.name) throw new Error(`RAR entry ${file.fileHeader.name} out of order`);
        entry.head = (file.extraction ?? new Uint8Array()).slice(0, SNIFF_BYTES);
      }
    } catch (error) {
      throw unreadable(error);
    }
  });
