import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import '../src/formats';
import { cutText, hasVisibleCharacter, isStorableText, isVisibleText, Text, toStorableText, VISIBLE_TEXT_FORMAT, VisibleText } from '../src/text';

describe('storable text', () => {
  it('toStorableText drops NUL and lone surrogates, keeps surrogate pairs, and what it leaves is storable', () => {
    const raw = `250 OK\u0000 queued as \uD800abc \uDC00 😀 готово`;
    expect(isStorableText(raw)).toBe(false);
    const kept = toStorableText(raw);
    expect(kept).toBe('250 OK queued as abc  😀 готово');
    expect(isStorableText(kept)).toBe(true);
    expect(toStorableText('plain')).toBe('plain');
  });
});

describe('visible text: a required free-text field says something', () => {
  // What shows nothing on its own: white space, zero-width and other format (Cf) characters,
  // controls (Cc), default-ignorable code points, and a lone surrogate.
  const BLANK: readonly [string, string][] = [
    ['empty', ''],
    ['spaces', '   '],
    ['tab, newline, carriage return', '\t\n\r'],
    ['no-break and ideographic spaces', '\u00a0\u2007\u202f\u3000'],
    ['line and paragraph separators', '\u2028\u2029'],
    ['zero-width space U+200B', '\u200b'],
    ['zero-width non-joiner and joiner U+200C, U+200D', '\u200c\u200d'],
    ['word joiner U+2060', '\u2060'],
    ['byte order mark U+FEFF', '\ufeff'],
    ['soft hyphen U+00AD', '\u00ad'],
    ['bidi marks and isolates', '\u200e\u200f\u202a\u2066\u2069'],
    ['Mongolian vowel separator U+180E', '\u180e'],
    ['Hangul filler U+3164', '\u3164'],
    ['variation selector U+FE0F', '\ufe0f'],
    ['tag characters (outside the BMP)', '\u{E0001}\u{E0041}'],
    ['C0 and C1 controls', '\u0001\u001f\u007f\u0085\u009f'],
    ['a lone surrogate', '\ud800'],
    ['a mix of all of them', ' \u200b\ufeff\t\u2060\u00a0\n'],
  ];
  const VISIBLE: readonly [string, string][] = [
    ['a letter', 'a'],
    ['a digit', '0'],
    ['punctuation', '.'],
    ['text with spaces around it', '  The reader crashes.  '],
    ['one letter among invisible characters', '\u200b\ufeffx\u2060'],
    ['Cyrillic', 'готово'],
    ['CJK', '崩溃'],
    ['an emoji outside the BMP', '😀'],
    ['an emoji with a variation selector', '\u2764\ufe0f'],
    ['a combining mark', '\u0301'],
    ['a private-use character (an icon font)', '\ue000'],
  ];

  it.each(BLANK)('%s has no visible character', (_name, value) => {
    expect(hasVisibleCharacter(value)).toBe(false);
    expect(isVisibleText(value)).toBe(false);
  });

  it.each(VISIBLE)('%s is visible', (_name, value) => {
    expect(hasVisibleCharacter(value)).toBe(true);
    expect(isVisibleText(value)).toBe(true);
  });

  it('visible text must also be storable: a visible word with NUL or a lone surrogate is refused', () => {
    expect(hasVisibleCharacter('before\u0000after')).toBe(true);
    expect(isVisibleText('before\u0000after')).toBe(false);
    expect(isVisibleText('before\ud800after')).toBe(false);
  });

  it('VisibleText is a string of format visible-text, at least one character, with its own options; Text stays storable only', () => {
    const schema = VisibleText({ maxLength: 200, description: 'Problem description' });
    expect(schema).toMatchObject({ type: 'string', format: VISIBLE_TEXT_FORMAT, minLength: 1, maxLength: 200, description: 'Problem description' });
    expect(JSON.parse(JSON.stringify(schema))).toMatchObject({ format: 'visible-text' });
    expect(Text({ maxLength: 200 })).toMatchObject({ format: 'text' });
  });

  it('TypeBox checks the format as registered: blank is refused, something said is taken', () => {
    expect(FormatRegistry.Has(VISIBLE_TEXT_FORMAT)).toBe(true);
    const schema = VisibleText({ maxLength: 10 });
    expect(Value.Check(schema, 'Hi')).toBe(true);
    expect(Value.Check(schema, '\u200b')).toBe(false);
    expect(Value.Check(schema, '   ')).toBe(false);
    expect(Value.Check(Text({ maxLength: 10 }), '   ')).toBe(true);
  });
});

describe('cutText: a cut of text never keeps half a character', () => {
  it('cuts at the limit, or one unit before it when the limit falls inside a surrogate pair', () => {
    expect(cutText('abc😀def', 4)).toBe('abc');
    expect(cutText('abc😀def', 5)).toBe('abc😀');
    expect(cutText('abc😀def', 3)).toBe('abc');
    expect(cutText('short', 120)).toBe('short');
    expect(isStorableText(cutText(`${'a'.repeat(119)}😀😀`, 120))).toBe(true);
    // A combining mark may be left without its follower's context, but never a lone surrogate.
    for (let n = 0; n <= 12; n += 1) expect(isStorableText(cutText('😀𝄞🙂é😀𝄞', n))).toBe(true);
  });
});
