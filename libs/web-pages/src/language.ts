/** The languages of the pages (the requester's, issue #13): English and Russian. */
export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

export const isLanguage = (value: unknown): value is Language => typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

/**
 * The page language: the one the caller knows (a link's or a survey's language) when it is one of
 * ours, else the best of the browser's `Accept-Language` (RFC 9110 §12.5.4, q-values honoured),
 * else English.
 */
export const pickLanguage = (known: string | undefined, acceptLanguage: string | string[] | undefined): Language => {
  const preferred = known?.toLowerCase().split('-')[0];
  if (isLanguage(preferred)) return preferred;
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : (acceptLanguage ?? '');
  const ranked = header
    .split(',')
    .map((entry, index) => {
      const [tag, ...params] = entry.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { language: tag.trim().toLowerCase().split('-')[0], quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  return ranked.map((entry) => entry.language).find(isLanguage) ?? 'en';
};

/** A catalogue of strings with the same keys in every language (the compiler checks Russian has them all). */
export type Strings<K extends string> = Readonly<Record<Language, Readonly<Record<K, string>>>>;

export const defineStrings = <K extends string>(strings: { en: Readonly<Record<K, string>>; ru: Readonly<Record<NoInfer<K>, string>> }): Strings<K> => strings;

/** A string in `language` with `{name}` placeholders filled (values are text; escape happens in `html`). */
export const translate = <K extends string>(strings: Strings<K>, language: Language, key: K, params: Readonly<Record<string, string | number>> = {}): string =>
  strings[language][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
