import { Type, type StringOptions, type TString } from '@sinclair/typebox';

/** The string format of text that PostgreSQL can store (see `isStorableText`). */
export const STORABLE_TEXT_FORMAT = 'text';

// PostgreSQL refuses U+0000 in `text` and `jsonb`, and a lone UTF-16 surrogate has no UTF-8
// encoding, so either one would be a 500 at the INSERT (DESIGN "Edge input"). With the `u` flag a
// surrogate pair is one code point outside the class, so only lone surrogates match it.
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'gu');

export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);

/** `value` without what `isStorableText` refuses: for text we only keep (a server's diagnostic answer), not for input we would change. */
export const toStorableText = (value: string): string => value.replace(UNSTORABLE_ALL, '');

/**
 * Free text a client sends: at least one character unless `minLength` says otherwise, at most
 * `maxLength`, and storable (format `text`: no NUL, no lone surrogate). Every service's request
 * schemas use it, so such text is a 400 naming the field, never a 500.
 */
export const Text = (options: StringOptions & { maxLength: number }): TString =>
  Type.String({ minLength: 1, ...options, format: STORABLE_TEXT_FORMAT });
