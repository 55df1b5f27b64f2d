import type { Language } from '@tss/contracts';

/**
 * The lead of each of our mails' subjects, after the reference: `[TSS-…] <lead>: <the request's
 * subject>`, or `[TSS-…] <lead>` when it has none (mail-template.ts `ticketSubject`). One table, so
 * a reply's subject can be read without our words (inbound-language.ts).
 */
export const SUBJECT_LEADS = {
  acknowledgment: { en: 'Request received', ru: 'Обращение принято' },
  newReply: { en: 'New reply', ru: 'Новый ответ' },
  informationNeeded: { en: 'Information needed', ru: 'Нужна информация' },
  resolved: { en: 'Resolved', ru: 'Решено' },
  rateTheSupport: { en: 'Rate the support', ru: 'Оцените поддержку' },
  reopened: { en: 'Reopened', ru: 'Обращение открыто снова' },
  particularsSecured: { en: 'Access particulars secured', ru: 'Данные для доступа скрыты' },
  changeParticulars: { en: 'Change your access particulars', ru: 'Смените данные для доступа' },
  closedOutOfScope: { en: 'Closed: outside technical support', ru: 'Закрыто: вне рамок технической поддержки' },
  attachmentsRefused: { en: 'Attachments not accepted', ru: 'Вложения не приняты' },
} as const satisfies Record<string, Record<Language, string>>;

/** Every lead in both languages, the longest first (so "Closed: outside technical support" is not read as "Closed"). */
export const ALL_SUBJECT_LEADS: readonly string[] = Object.values(SUBJECT_LEADS)
  .flatMap((words): string[] => [words.en, words.ru])
  .sort((a, b) => b.length - a.length);
