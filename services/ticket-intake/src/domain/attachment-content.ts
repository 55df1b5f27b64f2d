import { EXTENSIONS, type AcceptedKind, type ContentRefusal } from '@tss/blob-storage';
import { fileNameWithoutAccessParticulars, type Failure } from '@tss/service-kit';

/** The size limits of one upload (ATTACHMENT_MAX_FILE_BYTES, ATTACHMENT_MAX_MESSAGE_BYTES). */
export interface UploadLimits {
  maxFileBytes: number;
  maxMessageBytes: number;
  /** How many files one request may carry. */
  maxFiles: number;
}

export const MAX_FILE_NAME_LENGTH = 200;

// C0 and C1 controls, DEL, the Unicode line/paragraph separators and bidi overrides (a name that
// reads "gpj.exe" backwards), NUL and lone surrogates (PostgreSQL cannot store them).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;

const cleanName = (given: string | undefined): string =>
  (given ?? '').split(/[/\\]/).pop()!.replace(/\s+/g, ' ').replace(UNSAFE, '').trim().replace(/^\.+/, '');

/**
 * A sent file's name as problem details quote it: cleaned like `sanitiseFileName`, but not yet
 * typed, and without access particulars (P9): a refusal stores nothing to vault them with, but its
 * answer is kept for an Idempotency-Key's replays.
 */
export const quotedFileName = (given: string | undefined): string => {
  const name = fileNameWithoutAccessParticulars([...cleanName(given)].slice(0, MAX_FILE_NAME_LENGTH).join(''));
  return name === '' ? 'The file' : `"${name}"`;
};

/** A refused file's name as the thread and the requester's mail name it: cleaned and bounded, never empty. */
export const refusedFileName = (given: string | undefined): string => [...cleanName(given)].slice(0, MAX_FILE_NAME_LENGTH).join('') || 'attachment';

/**
 * The name an attachment is shown and downloaded under: display only, never a storage key. Its
 * folders are dropped (`C:\Users\a\shot.png` → `shot.png`), unsafe characters removed, its length
 * bounded, and its extension made to agree with its content (a PNG sent as `page.html` is
 * `page.html.png`), so a saved download never opens as another type.
 */
export const sanitiseFileName = (given: string | undefined, kind: AcceptedKind): string => {
  const name = cleanName(given);
  const own = EXTENSIONS[kind].find((ext) => name.toLowerCase().endsWith(ext));
  const extension = own ? name.slice(-own.length) : EXTENSIONS[kind][0];
  const stem = (own ? name.slice(0, -own.length) : name).trim() || 'attachment';
  return boundedFileName(stem, extension);
};

/**
 * A stem and its extension as one name of at most MAX_FILE_NAME_LENGTH code points: a stem made
 * longer (a placeholder for masked particulars, P9) is cut, never the extension, and a surrogate
 * pair is never cut in two.
 */
export const boundedFileName = (stem: string, extension: string): string => `${[...stem].slice(0, MAX_FILE_NAME_LENGTH - extension.length).join('')}${extension}`;

/**
 * The HTTP failure for content P8 refuses: a type that is not allowed is 415 (a bare BMP told to
 * go in a ZIP or RAR); an archive that is, but holds what it may not or is too big, 422.
 */
export const contentFailure = (refusal: ContentRefusal, fileName: string): Failure => {
  const extensions = { file: fileName, reason: refusal.reason, ...('entry' in refusal && refusal.entry ? { entry: refusal.entry } : {}) };
  switch (refusal.reason) {
    case 'unsupported_type':
    case 'bare_bmp':
      return { kind: 'unsupported_media_type', detail: `${fileName}: ${refusal.detail}`, extensions };
    default:
      return { kind: 'unprocessable', detail: `${fileName}: ${refusal.detail}`, extensions };
  }
};

/**
 * P8, one rule for every channel (an upload request, a mail): which size limit a file breaks, if
 * any. `fileBytes` are the file's, `totalBytes` those of the files taken with it, this one's
 * included. An upload is refused whole on the first (413); a mail's file alone, the rest kept.
 */
export const sizeLimitBroken = (fileBytes: number, totalBytes: number, limits: Pick<UploadLimits, 'maxFileBytes' | 'maxMessageBytes'>): 'file' | 'message' | undefined => {
  if (fileBytes > limits.maxFileBytes) return 'file';
  if (totalBytes > limits.maxMessageBytes) return 'message';
  return undefined;
};

export const fileTooLarge = (fileName: string, limits: UploadLimits): Failure => ({
  kind: 'payload_too_large',
  detail: `${fileName} is larger than ${limits.maxFileBytes} bytes, the most one attachment may be.`,
  extensions: { file: fileName, maxFileBytes: limits.maxFileBytes },
});

export const messageTooLarge = (limits: UploadLimits): Failure => ({
  kind: 'payload_too_large',
  detail: `The attachments add up to more than ${limits.maxMessageBytes} bytes, the most one message may carry.`,
  extensions: { maxMessageBytes: limits.maxMessageBytes },
});

export const tooManyFiles = (limits: UploadLimits): Failure => ({
  kind: 'payload_too_large',
  detail: `At most ${limits.maxFiles} files may be sent at once.`,
  extensions: { maxFiles: limits.maxFiles },
});
