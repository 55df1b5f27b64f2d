import type { Static } from '@sinclair/typebox';
import { StringEnum } from './string-enum';
import type { Language } from './support-catalogue';

/**
 * P8: why intake did not take a mailed attachment, as a code: the content check's reasons
 * (libs/blob-storage), plus `too_many_files` (beyond ATTACHMENT_MAX_FILES) and `missing` (its
 * blob was gone). `ticket.attachments_refused` carries them; the thread note and the mail to the
 * requester word them in the requester's language.
 */
export const AttachmentRefusalReasons = [
  'bare_bmp',
  'unsupported_type',
  'empty',
  'too_many_entries',
  'too_large',
  'ratio',
  'encrypted',
  'unreadable',
  'entry_type',
  'too_many_files',
  'missing',
] as const;
export const AttachmentRefusalReason = StringEnum(AttachmentRefusalReasons, { description: 'Why the attachment was not accepted (P8)' });
export type AttachmentRefusalReason = Static<typeof AttachmentRefusalReason>;

export const isAttachmentRefusalReason = (reason: string): reason is AttachmentRefusalReason => (AttachmentRefusalReasons as readonly string[]).includes(reason);

/** The most refused files one `ticket.attachments_refused` names (the event's contract; ticket.events.ts may export contracts only). */
export const MAX_REFUSED_ATTACHMENTS_PER_EVENT = 100;

/** A refused attachment: its name as sent (cleaned), why, and for `too_many_files` how many a mail may bring. */
export interface RefusedAttachment {
  fileName: string;
  reason: AttachmentRefusalReason;
  maxFiles?: number;
}

type Words = Readonly<Record<Language, string>>;

const REASON_WORDS: Readonly<Record<Exclude<AttachmentRefusalReason, 'too_many_files'>, Words>> = {
  bare_bmp: {
    en: 'a BMP image is accepted only inside a ZIP or RAR archive',
    ru: 'изображение BMP принимается только внутри архива ZIP или RAR',
  },
  unsupported_type: {
    en: 'only JPG, GIF and PNG images are accepted (BMP inside a ZIP or RAR archive); the type is judged by the content, not the name',
    ru: 'принимаются только изображения JPG, GIF и PNG (BMP — внутри архива ZIP или RAR); тип определяется по содержимому, а не по имени',
  },
  empty: { en: 'the file or archive is empty', ru: 'файл или архив пуст' },
  too_many_entries: { en: 'the archive holds too many files', ru: 'в архиве слишком много файлов' },
  too_large: { en: 'the archive is too large once unpacked', ru: 'архив слишком велик в распакованном виде' },
  ratio: { en: 'the archive expands too much when unpacked', ru: 'архив слишком сильно увеличивается при распаковке' },
  encrypted: { en: 'the archive is encrypted (password-protected), so its content cannot be checked', ru: 'архив зашифрован (защищён паролем), поэтому его содержимое нельзя проверить' },
  unreadable: { en: 'the archive cannot be read (a multi-volume archive or an unusual compression method)', ru: 'архив не удаётся прочитать (многотомный архив или необычный способ сжатия)' },
  entry_type: { en: 'the archive holds a file that is not a JPG, GIF, PNG or BMP image', ru: 'в архиве есть файл, который не является изображением JPG, GIF, PNG или BMP' },
  missing: { en: 'the file could not be read from the mail; please send it again', ru: 'файл не удалось прочитать из письма; пришлите его, пожалуйста, ещё раз' },
};

/** Why `file` was refused, in `language`: a clause without a final stop ("a BMP image is accepted only inside …"). */
export const attachmentRefusalText = (file: Pick<RefusedAttachment, 'reason' | 'maxFiles'>, language: Language): string => {
  if (file.reason === 'too_many_files') {
    const most = file.maxFiles ?? 20;
    return language === 'ru' ? `одно письмо может принести не больше ${most} файлов` : `a mail brings at most ${most} files`;
  }
  return REASON_WORDS[file.reason][language];
};
