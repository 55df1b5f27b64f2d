import type { Language } from './support-catalogue';

const MiB = 1_048_576;
const KiB = 1024;

/** A number as the reader's language writes it: Russian with a decimal comma. */
const numberText = (value: string, language: Language): string => (language === 'ru' ? value.replace('.', ',') : value);

/**
 * A file's size as the support site's page and the mails state it (KB rounded, at least 1; MB to one
 * decimal from 1 MiB), in the reader's language: `244 KB`, `3.3 MB`; `244 КБ`, `3,3 МБ`.
 */
export const fileSizeText = (bytes: number, language: Language): string => {
  const [value, unit] = bytes >= MiB ? [(bytes / MiB).toFixed(1), { en: 'MB', ru: 'МБ' }] : [String(Math.max(1, Math.round(bytes / KiB))), { en: 'KB', ru: 'КБ' }];
  return `${numberText(value, language)} ${unit[language]}`;
};

/**
 * A size limit (ATTACHMENT_MAX_FILE_BYTES, ATTACHMENT_MAX_MESSAGE_BYTES) in the same units as
 * `fileSizeText`, written without a decimal when it is a whole number of them (`10 MB`, not
 * `10.0 MB`), and never rounded up: a file of the size stated is within the limit.
 */
export const fileSizeLimitText = (bytes: number, language: Language): string => {
  const [units, unit] = bytes >= MiB ? [bytes / MiB, { en: 'MB', ru: 'МБ' }] : [bytes / KiB, { en: 'KB', ru: 'КБ' }];
  const value = Number.isInteger(units) ? String(units) : (Math.floor(units * 10) / 10).toFixed(1).replace(/\.0$/, '');
  return `${numberText(value, language)} ${unit[language]}`;
};
