import { fileSizeLimitText } from '@tss/contracts';
import type { AttachmentSizeLimits } from '@tss/service-kit';
import type { Language } from '@tss/web-pages';
import { siteText } from './site-strings';

/**
 * P8: intake's attachment size limits (ATTACHMENT_MAX_FILE_BYTES, ATTACHMENT_MAX_MESSAGE_BYTES, the
 * settings, never constants) as the requester is told them before sending (the reply form's hint)
 * and after sending too much (the 413 page), sizes as the mails write them (`10 MB`, `10 МБ`).
 */
export const attachmentLimitsText = (language: Language, limits: AttachmentSizeLimits): string =>
  siteText(language, 'replyFilesLimits', { maxFile: fileSizeLimitText(limits.maxFileBytes, language), maxMessage: fileSizeLimitText(limits.maxMessageBytes, language) });
