import type { Language } from './language';

const MiB = 1_048_576;

/**
 * A file's size as requesters read it, on the support site's page and in the reply mail alike: KB
 * rounded (at least 1), MB to one decimal from 1 MiB, in the reader's units ("244 KB", "3.3 MB";
 * "244 КБ", "3,3 МБ": the decimal comma, as Russian writes it).
 */
export const fileSizeText = (bytes: number, language: Language): string => {
  const [value, unit] = bytes >= MiB ? [(bytes / MiB).toFixed(1), { en: 'MB', ru: 'МБ' }] : [String(Math.max(1, Math.round(bytes / 1024))), { en: 'KB', ru: 'КБ' }];
  return `${language === 'ru' ? value.replace('.', ',') : value} ${unit[language]}`;
};
