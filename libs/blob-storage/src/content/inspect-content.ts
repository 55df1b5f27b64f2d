import { checkArchiveEntryKinds, checkArchiveListing, type ArchiveEntry, type ArchiveLimits, type ArchiveRefusal } from './archive-policy';
import { listRar, readRarHeads } from './rar-archive';
import { MEDIA_TYPES, SNIFF_BYTES, sniffContent, type ContentKind } from './sniff-content';
import { UnreadableArchiveError, ZipArchive } from './zip-archive';

/** The kinds an attachment may be on its own (P8): the three image types and the two archives. */
export type AcceptedKind = 'jpeg' | 'png' | 'gif' | 'zip' | 'rar';

export type ContentRefusal =
  /** Not an allowed image or archive, by its bytes. */
  | { reason: 'unsupported_type'; kind: ContentKind; detail: string }
  /** A BMP on its own: P8 allows it only inside a ZIP or RAR. */
  | { reason: 'bare_bmp'; kind: 'bmp'; detail: string }
  /** An archive the policy refuses (what it holds, its size, its ratio) or that cannot be read. */
  | ({ kind: 'zip' | 'rar' } & ArchiveRefusal);

export type ContentVerdict =
  | { accepted: true; kind: AcceptedKind; mediaType: string; archiveEntries?: number }
  | { accepted: false; refusal: ContentRefusal };

const ACCEPTED_IMAGES: readonly ContentKind[] = ['jpeg', 'png', 'gif'];

const refuse = (refusal: ContentRefusal): ContentVerdict => ({ accepted: false, refusal });

const archiveVerdict = (kind: 'zip' | 'rar', entries: readonly ArchiveEntry[], refusal: ArchiveRefusal | null): ContentVerdict =>
  refusal ? refuse({ kind, ...refusal }) : { accepted: true, kind, mediaType: MEDIA_TYPES[kind], archiveEntries: entries.filter((e) => !e.directory).length };

const inspectZip = async (bytes: Buffer, limits: ArchiveLimits): Promise<ContentVerdict> => {
  const zip = await ZipArchive.open(bytes, limits.maxEntries);
  try {
    if (zip.declaredEntryCount > limits.maxEntries) {
      return refuse({ kind: 'zip', reason: 'too_many_entries', detail: `The archive holds more than ${limits.maxEntries} entries.` });
    }
    const listed = checkArchiveListing(zip.entries, bytes.length, limits);
    if (listed) return refuse({ kind: 'zip', ...listed });
    await zip.readHeads();
    return archiveVerdict('zip', zip.entries, checkArchiveEntryKinds(zip.entries));
  } finally {
    zip.close();
  }
};

const inspectRar = async (bytes: Buffer, limits: ArchiveLimits): Promise<ContentVerdict> => {
  const listing = await listRar(bytes, limits.maxEntries);
  if ('headerEncrypted' in listing) return refuse({ kind: 'rar', reason: 'encrypted', detail: 'The RAR archive is encrypted, so its content cannot be checked.' });
  if ('multiVolume' in listing) return refuse({ kind: 'rar', reason: 'unreadable', detail: 'A multi-volume RAR archive cannot be checked; send it as one volume.' });
  const listed = checkArchiveListing(listing, bytes.length, limits);
  if (listed) return refuse({ kind: 'rar', ...listed });
  await readRarHeads(bytes, listing);
  return archiveVerdict('rar', listing, checkArchiveEntryKinds(listing));
};

/**
 * Decides whether bytes may be an attachment (P8), by their content alone: a JPG, GIF or PNG; or a
 * ZIP or RAR that holds only those and BMP, within the archive limits. Archives are judged from
 * their directory first (entry count, sizes, ratio), and only then are their entries' first bytes
 * read, so a compression bomb is refused without being unpacked. Reusable by every service that
 * takes files in (intake's uploads, notification's inbound mail).
 */
export const inspectContent = async (bytes: Buffer, limits: ArchiveLimits): Promise<ContentVerdict> => {
  const kind = sniffContent(bytes.subarray(0, SNIFF_BYTES));
  if (kind === 'bmp') {
    return refuse({ reason: 'bare_bmp', kind, detail: 'A BMP image is accepted only inside a ZIP or RAR archive: put it in one and send the archive.' });
  }
  if (kind === 'zip' || kind === 'rar') {
    try {
      return await (kind === 'zip' ? inspectZip(bytes, limits) : inspectRar(bytes, limits));
    } catch (error) {
      if (error instanceof UnreadableArchiveError) return refuse({ kind, reason: 'unreadable', detail: error.message });
      throw error;
    }
  }
  if (ACCEPTED_IMAGES.includes(kind)) return { accepted: true, kind: kind as AcceptedKind, mediaType: MEDIA_TYPES[kind as AcceptedKind] };
  return refuse({ reason: 'unsupported_type', kind, detail: 'Only JPG, GIF and PNG images are accepted, and BMP images inside a ZIP or RAR archive; the type is judged by the content, not the name.' });
};
