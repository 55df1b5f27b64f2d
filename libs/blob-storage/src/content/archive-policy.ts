import { sniffContent, type ContentKind } from './sniff-content';

/** One entry of an archive as its directory lists it, and, once read, its first bytes. */
export interface ArchiveEntry {
  name: string;
  directory: boolean;
  encrypted: boolean;
  /** False when the entry's compression method cannot be read here, so its content cannot be checked. */
  readable: boolean;
  compressedSize: number;
  /** As the archive declares it: the policy decides on it before anything is unpacked. */
  uncompressedSize: number;
  /** The entry's first bytes (up to SNIFF_BYTES), read without unpacking the rest. */
  head?: Uint8Array;
}

export interface ArchiveLimits {
  maxEntries: number;
  /** Of all entries together, as declared. */
  maxUncompressedBytes: number;
  /** Uncompressed size over compressed size, of one entry and of the whole archive. */
  maxRatio: number;
}

export type ArchiveRefusalReason = 'empty' | 'too_many_entries' | 'too_large' | 'ratio' | 'encrypted' | 'unreadable' | 'entry_type';

export interface ArchiveRefusal {
  reason: ArchiveRefusalReason;
  detail: string;
  /** The entry refused, when one is. */
  entry?: string;
}

/** What an archive may hold (P8): the allowed images, and BMP, which is only allowed inside one. */
export const ARCHIVE_ENTRY_KINDS: readonly ContentKind[] = ['jpeg', 'png', 'gif', 'bmp'];

// Below this, a high ratio is a small file that compresses well (a blank icon), not a bomb: the
// total size limit bounds what such entries can add up to.
export const RATIO_MIN_UNCOMPRESSED_BYTES = 1_048_576;

const ratioOf = (uncompressed: number, compressed: number): number => uncompressed / Math.max(compressed, 1);

/**
 * The checks made on the archive's directory alone, before any entry is read: how many entries,
 * whether any is encrypted or in a method we cannot read, their compression ratio (a zip bomb is
 * refused here, without being unpacked) and their declared total size. Null when all pass.
 */
export const checkArchiveListing = (entries: readonly ArchiveEntry[], archiveBytes: number, limits: ArchiveLimits): ArchiveRefusal | null => {
  if (entries.length > limits.maxEntries) {
    return { reason: 'too_many_entries', detail: `The archive holds more than ${limits.maxEntries} entries.` };
  }
  const files = entries.filter((e) => !e.directory);
  // Nothing to check is nothing to accept: also what a signature followed by anything else lists as.
  if (files.length === 0) return { reason: 'empty', detail: 'The archive holds no files.' };
  const encrypted = files.find((e) => e.encrypted);
  if (encrypted) return { reason: 'encrypted', entry: encrypted.name, detail: `The archive entry "${encrypted.name}" is encrypted, so its content cannot be checked.` };
  const unreadable = files.find((e) => !e.readable);
  if (unreadable) return { reason: 'unreadable', entry: unreadable.name, detail: `The archive entry "${unreadable.name}" uses a compression method that cannot be checked.` };
  const bomb = files.find((e) => e.uncompressedSize >= RATIO_MIN_UNCOMPRESSED_BYTES && ratioOf(e.uncompressedSize, e.compressedSize) > limits.maxRatio);
  if (bomb) {
    return {
      reason: 'ratio',
      entry: bomb.name,
      detail: `The archive entry "${bomb.name}" expands more than ${limits.maxRatio} times (a compression bomb).`,
    };
  }
  const total = files.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (total > limits.maxUncompressedBytes) {
    return { reason: 'too_large', detail: `The archive's entries add up to more than ${limits.maxUncompressedBytes} bytes uncompressed.` };
  }
  if (total >= RATIO_MIN_UNCOMPRESSED_BYTES && ratioOf(total, archiveBytes) > limits.maxRatio) {
    return { reason: 'ratio', detail: `The archive expands more than ${limits.maxRatio} times (a compression bomb).` };
  }
  return null;
};

/** The check on the entries' first bytes: every file in the archive is one of ARCHIVE_ENTRY_KINDS. */
export const checkArchiveEntryKinds = (entries: readonly ArchiveEntry[]): ArchiveRefusal | null => {
  for (const entry of entries) {
    if (entry.directory) continue;
    if (!ARCHIVE_ENTRY_KINDS.includes(sniffContent(entry.head ?? new Uint8Array()))) {
      return { reason: 'entry_type', entry: entry.name, detail: `The archive entry "${entry.name}" is not a JPG, GIF, PNG or BMP image.` };
    }
  }
  return null;
};
