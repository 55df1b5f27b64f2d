import { isStorableText, toStorableText } from '../src/text';

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
