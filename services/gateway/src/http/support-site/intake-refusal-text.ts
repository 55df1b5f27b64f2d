import { fileSizeLimitText } from '@tss/contracts';
import type { Failure } from '@tss/service-kit';
import type { Language } from '@tss/web-pages';
import { siteText } from './site-strings';

/**
 * Intake's refusals in the page's words (docs/adr/0037 addendum): its problem details are English
 * for API clients, so the site words each kind it knows from the problem's type and extensions
 * (a refused file's name and reason, a limit), in the page's language. Text it does not know is
 * the form's general "could not accept this", never intake's English.
 */
// A limit in the units the hint and the mails use ("97.6 KB", "15,5 МБ"), never rounded up: whole
// mebibytes rounded down said "0 MB" of a 100,000-byte limit.
const limitText = (language: Language, bytes: unknown): string => (typeof bytes === 'number' ? fileSizeLimitText(bytes, language) : '?');

const ARCHIVE_REASONS: Readonly<Record<string, 'fileArchiveEntryType' | 'fileArchiveEncrypted' | 'fileArchiveEmpty'>> = {
  entry_type: 'fileArchiveEntryType',
  encrypted: 'fileArchiveEncrypted',
  empty: 'fileArchiveEmpty',
};

/**
 * Intake names a refused file `"name"` (English quotes, for API clients) or `The file` when it has no
 * name: the page quotes it as its language does («name» in Russian, as the mails do) and says "the
 * file" in its own words (docs/adr/0037, addendum of 2026-12-05, sixth session).
 */
const fileNamed = (language: Language, named: unknown): string => {
  const name = typeof named === 'string' && named.length > 2 && named.startsWith('"') && named.endsWith('"') ? named.slice(1, -1) : undefined;
  if (name === undefined) return siteText(language, 'theFile');
  return language === 'ru' ? `«${name}»` : `"${name}"`;
};

/** A refused reply's files, as the page says it. */
export const fileRefusalText = (language: Language, failure: Failure): string => {
  const extensions = failure.extensions ?? {};
  const file = fileNamed(language, extensions.file);
  if (failure.kind === 'payload_too_large') {
    if (extensions.maxFileBytes !== undefined) return siteText(language, 'fileTooLarge', { file, max: limitText(language, extensions.maxFileBytes) });
    if (extensions.maxMessageBytes !== undefined) return siteText(language, 'filesTooLarge', { max: limitText(language, extensions.maxMessageBytes) });
    if (typeof extensions.maxFiles === 'number') return siteText(language, 'tooManyFiles', { max: extensions.maxFiles });
    return siteText(language, 'notAccepted');
  }
  const reason = typeof extensions.reason === 'string' ? extensions.reason : undefined;
  if (reason === 'unsupported_type') return siteText(language, 'fileUnsupported', { file });
  if (reason === 'bare_bmp') return siteText(language, 'fileBareBmp', { file });
  if (reason !== undefined) return siteText(language, ARCHIVE_REASONS[reason] ?? 'fileArchiveUnchecked', { file });
  return siteText(language, 'notAccepted');
};

/** A refused "not solved", as the page says it: a ticket that is not resolved (any more) cannot be reopened. */
export const reopenRefusalText = (language: Language, failure: Failure): string =>
  siteText(language, failure.kind === 'invalid_transition' || failure.kind === 'conflict' ? 'reopenNotResolved' : 'notAccepted');

/** The site's own bound on a reply's files (SITE_REPLY_LIMITS), said with its numbers. */
export const replyTooLargeText = (language: Language, limits: { maxFiles: number; maxFileBytes: number }): string =>
  `${siteText(language, 'replyFiles')}: ${siteText(language, 'replyLimits', { maxFiles: limits.maxFiles, maxFileSize: limitText(language, limits.maxFileBytes) })}`;
