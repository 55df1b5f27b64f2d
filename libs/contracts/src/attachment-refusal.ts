import type { Static } from '@sinclair/typebox';
import { StringEnum } from './string-enum';
import { fileSizeLimitText } from './file-size-text';
import type { Language } from './support-catalogue';

/**
 * P8: why intake did not take a mailed attachment, as a code: the content check's reasons
 * (libs/blob-storage), plus `too_many_files` (beyond ATTACHMENT_MAX_FILES), `file_too_large` (over
 * ATTACHMENT_MAX_FILE_BYTES), `message_too_large` (it would take the mail's kept files over
 * ATTACHMENT_MAX_MESSAGE_BYTES) and `missing` (its blob was gone). `ticket.attachments_refused` carries them; the thread note and the mail to the
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
  'file_too_large',
  'message_too_large',
] as const;
export const AttachmentRefusalReason = StringEnum(AttachmentRefusalReasons, { description: 'Why the attachment was not accepted (P8)' });
export type AttachmentRefusalReason = Static<typeof AttachmentRefusalReason>;

export const isAttachmentRefusalReason = (reason: string): reason is AttachmentRefusalReason => (AttachmentRefusalReasons as readonly string[]).includes(reason);

/** The most refused files one `ticket.attachments_refused` names (the event's contract; ticket.events.ts may export contracts only). */
export const MAX_REFUSED_ATTACHMENTS_PER_EVENT = 100;

/**
 * A refused attachment: its name as sent (cleaned), why, and the limit it met: for `too_many_files`
 * how many files a mail may bring, for `file_too_large` the most bytes one file may have, for
 * `message_too_large` the most bytes one mail's files may add up to.
 */
export interface RefusedAttachment {
  fileName: string;
  reason: AttachmentRefusalReason;
  maxFiles?: number;
  maxFileBytes?: number;
  maxMessageBytes?: number;
}

type Words = Readonly<Record<Language, string>>;

type WordedWithLimit = 'too_many_files' | 'file_too_large' | 'message_too_large';

const REASON_WORDS: Readonly<Record<Exclude<AttachmentRefusalReason, WordedWithLimit>, Words>> = {
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
export const attachmentRefusalText = (file: Pick<RefusedAttachment, 'reason' | 'maxFiles' | 'maxFileBytes' | 'maxMessageBytes'>, language: Language): string => {
  switch (file.reason) {
    case 'too_many_files': {
      const most = file.maxFiles ?? 20;
      return language === 'ru' ? `одно письмо может принести не больше ${most} файлов` : `a mail brings at most ${most} files`;
    }
    case 'file_too_large': {
      if (file.maxFileBytes === undefined) return language === 'ru' ? 'файл слишком велик' : 'the file is too large';
      const most = fileSizeLimitText(file.maxFileBytes, language);
      return language === 'ru' ? `файл больше ${most}, а один файл может быть не больше ${most}` : `the file is larger than ${most}, the most one file may be`;
    }
    case 'message_too_large': {
      if (file.maxMessageBytes === undefined) return language === 'ru' ? 'файлы письма вместе слишком велики' : "the mail's files are too large together";
      const most = fileSizeLimitText(file.maxMessageBytes, language);
      return language === 'ru'
        ? `с ним файлы письма заняли бы больше ${most}, а файлы одного письма вместе могут быть не больше ${most}`
        : `with it the mail's files would add up to more than ${most}, the most one mail's files may add up to`;
    }
    default:
      return REASON_WORDS[file.reason][language];
  }
};
