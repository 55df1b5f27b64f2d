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
 * The start of `value`, at most `maxUnits` UTF-16 units long, never ending in the first half of a
 * surrogate pair: `"…a😀".slice(0, n)` may keep half an emoji, which no UTF-8 can encode and which
 * PostgreSQL's `jsonb` refuses (a 500, a dead-lettered event). Every cut of text someone wrote
 * (a subject taken from a description, a summary, a quote) goes through it. Units, not code points,
 * so the result also fits a limit counted in units (a contract's `maxLength` counts code points,
 * never more than units).
 */
export const cutText = (value: string, maxUnits: number): string => {
  if (value.length <= maxUnits) return value;
  const cut = value.slice(0, maxUnits);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
};

/**
 * Free text a client sends: at least one character unless `minLength` says otherwise, at most
 * `maxLength`, and storable (format `text`: no NUL, no lone surrogate). Every service's request
 * schemas use it, so such text is a 400 naming the field, never a 500.
 */
export const Text = (options: StringOptions & { maxLength: number }): TString =>
  Type.String({ minLength: 1, ...options, format: STORABLE_TEXT_FORMAT });

/** The string format of storable text that says something (see `isVisibleText`). */
export const VISIBLE_TEXT_FORMAT = 'visible-text';

// What shows nothing: white space, control (Cc) and format (Cf: U+200B–U+200F, U+2060, U+FEFF…)
// characters, lone surrogates (Cs), and Unicode's Default_Ignorable_Code_Point (variation
// selectors, Hangul fillers, tags…). Unassigned and private-use code points count as visible: a
// newer Unicode's emoji is unassigned to an older ICU.
const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;

/** Whether `value` has at least one character a reader can see. */
export const hasVisibleCharacter = (value: string): boolean => VISIBLE.test(value);

/** Storable (`isStorableText`) and not blank (`hasVisibleCharacter`): the check of format `visible-text`. */
export const isVisibleText = (value: string): boolean => isStorableText(value) && hasVisibleCharacter(value);

/**
 * Free text that must say something when it is given: a required field (a ticket's description, a
 * message's body, a partner's name), or an optional one that may be left out but not sent blank
 * (a PATCH must not blank a field by sending spaces). Like `Text`, plus at least one visible
 * character (format `visible-text`): `"   "`, `"\u200b"` or `"\ufeff"` is a 400 naming the field.
 */
export const VisibleText = (options: StringOptions & { maxLength: number }): TString =>
  Type.String({ minLength: 1, ...options, format: VISIBLE_TEXT_FORMAT });
