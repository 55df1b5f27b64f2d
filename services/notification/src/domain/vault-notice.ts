import type { Language } from '@tss/contracts';
import type { MailBlock } from './mail-template';

/** Which of the requester's texts held the particulars (P9): the event that carries the count says. */
export type VaultedText = 'request' | 'message' | 'rating_comment';

const LEADS: Readonly<Record<VaultedText, Readonly<Record<Language, string>>>> = {
  request: { en: 'Your request contained', ru: 'Ваше обращение содержало' },
  message: { en: 'Your last message contained', ru: 'Ваше последнее сообщение содержало' },
  rating_comment: { en: 'The comment you gave with your rating contained', ru: 'Комментарий к вашей оценке содержал' },
};

/**
 * P9 "the requester is told": particulars found in their text were moved to the vault and masked.
 * By mail too, for a requester who never opens the support site (docs/adr/0026, addendum of
 * 2026-12-04, sixth session). The count only: never the particulars.
 */
export const vaultNoticeBlock = (language: Language, count: number, from: VaultedText): MailBlock => ({
  paragraph:
    language === 'ru'
      ? `${LEADS[from].ru} данные для доступа (${count}). Мы перенесли их в защищённое хранилище и скрыли в переписке; сотрудники поддержки могут ими воспользоваться. Пожалуйста, смените их после решения обращения и не присылайте пароли в письмах.`
      : `${LEADS[from].en} access particulars (${count}). We moved them to our secure vault and masked them in the request's thread; support staff can still use them. Please change them once this request is resolved, and do not send passwords by mail.`,
});
