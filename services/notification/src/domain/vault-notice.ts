import type { Language } from '@tss/contracts';
import type { MailBlock } from './mail-template';

/** Which of the requester's texts held the particulars (P9): the event that carries the count says. */
export type VaultedText = 'request' | 'message' | 'rating_comment';

/**
 * What the text was and what became of the particulars in it: a rating's comment is not on the
 * thread, so they were removed from the comment, not masked in a thread it never reached
 * (docs/adr/0026, addendum of 2026-12-04, sixth session).
 */
const WORDS: Readonly<Record<VaultedText, Readonly<Record<Language, { lead: string; where: string; advice: string }>>>> = {
  request: {
    en: { lead: 'Your request contained', where: 'masked them in your request', advice: 'do not send passwords in messages' },
    ru: { lead: 'Ваше обращение содержало', where: 'скрыли в обращении', advice: 'не присылайте пароли в сообщениях' },
  },
  message: {
    en: { lead: 'Your last message contained', where: "masked them in the request's thread", advice: 'do not send passwords in messages' },
    ru: { lead: 'Ваше последнее сообщение содержало', where: 'скрыли в переписке', advice: 'не присылайте пароли в сообщениях' },
  },
  rating_comment: {
    en: { lead: 'The comment you gave with your rating contained', where: 'removed them from the comment', advice: 'do not write passwords in comments' },
    ru: { lead: 'Комментарий к вашей оценке содержал', where: 'удалили из комментария', advice: 'не пишите пароли в комментариях' },
  },
};

/**
 * P9 "the requester is told": particulars found in their text were moved to the vault and masked.
 * By mail too, for a requester who never opens the support site (docs/adr/0026, addendum of
 * 2026-12-04, sixth session). Never the particulars, nor their count in brackets (addendum of
 * 2026-12-05, sixth session): the caller sends it when there were some. The advice names no channel:
 * the text came by mail, the support site or the API, and the mail telling of it is mail whichever
 * (docs/adr/0026, addendum of 2026-12-05, second session).
 */
export const vaultNoticeBlock = (language: Language, from: VaultedText): MailBlock => {
  const { lead, where, advice } = WORDS[from][language];
  return {
    paragraph:
      language === 'ru'
        ? `${lead} данные для доступа. Мы перенесли их в защищённое хранилище и ${where}; сотрудники поддержки могут ими воспользоваться. Пожалуйста, смените их после решения обращения и ${advice}.`
        : `${lead} access particulars. We moved them to our secure vault and ${where}; support staff can still use them. Please change them once this request is resolved, and ${advice}.`,
  };
};
