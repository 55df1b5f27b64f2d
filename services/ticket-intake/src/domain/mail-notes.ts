import { attachmentRefusalText, type Language, type RefusedAttachment } from '@tss/contracts';

/**
 * The system's notes on a thread about a mail the requester sent, in the ticket's language (the
 * requester reads them on the support site under "Support service"): never added to the
 * requester's own words (docs/adr/0035, addendum of 2026-12-04, sixth session).
 */

/** P8: the files of a mail that were not accepted, each with its reason, and how to send them. */
export const refusedAttachmentsNote = (files: readonly RefusedAttachment[], language: Language): string =>
  language === 'ru'
    ? [
        ...files.map((f) => `Вложение «${f.fileName}» не принято: ${attachmentRefusalText(f, 'ru')}.`),
        'Мы принимаем изображения JPG, GIF и PNG; BMP — только внутри архива ZIP или RAR. Пришлите файлы в таком виде ответом на письмо или на странице обращения.',
      ].join('\n')
    : [
        ...files.map((f) => `Attachment "${f.fileName}" was not accepted: ${attachmentRefusalText(f, 'en')}.`),
        'We accept JPG, GIF and PNG images; BMP only inside a ZIP or RAR archive. Please send the files that way, in a reply to our mail or on the request page.',
      ].join('\n');

/**
 * P8: the note a ticket filed from a mail opens with (it carries the mail's accepted files). The
 * mail's Message-ID is not in it: staff read it as the note's `emailMessageId`.
 */
export const filedFromMailNote = (language: Language): string => (language === 'ru' ? 'Обращение создано из вашего письма.' : 'Filed from your e-mail.');
