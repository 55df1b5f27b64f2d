import { randomBytes } from 'node:crypto';
import { generateReference, parseReference, REFERENCE_ALPHABET } from '../../src/domain/reference-number';

const fixedBytes = (values: number[]) => () => Uint8Array.from(values);

describe('P3 reference numbers', () => {
  it('formats nine random symbols and a check symbol as TSS-XXXXX-XXXXX', () => {
    const reference = generateReference(fixedBytes([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    expect(reference).toMatch(/^TSS-01234-5678[0-9A-Z]$/);
    expect(parseReference(reference)).toBe(reference);
  });

  it('uses only symbols that read aloud unambiguously (no I, L, O, U)', () => {
    for (let i = 0; i < 200; i += 1) expect(generateReference(randomBytes)).toMatch(/^TSS-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
  });

  it('detects every single-symbol typo through the check symbol', () => {
    const reference = generateReference(randomBytes);
    const symbols = reference.replace(/^TSS-/, '').replace('-', '');
    for (let position = 0; position < symbols.length; position += 1) {
      for (const replacement of REFERENCE_ALPHABET) {
        if (replacement === symbols[position]) continue;
        const typo = symbols.slice(0, position) + replacement + symbols.slice(position + 1);
        expect(parseReference(typo)).toBeUndefined();
      }
    }
  });

  it('detects swaps of adjacent different symbols', () => {
    const reference = generateReference(fixedBytes([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const symbols = reference.replace(/^TSS-/, '').replace('-', '');
    const swapped = symbols[1] + symbols[0] + symbols.slice(2);
    expect(parseReference(swapped)).toBeUndefined();
  });

  it('reads what people type: lower case, spaces, and I/L/O for 1/1/0', () => {
    const reference = generateReference(fixedBytes([1, 0, 1, 0, 1, 0, 1, 0, 1]));
    const spoken = reference.toLowerCase().replace(/1/g, 'l').replace(/0/g, 'o').replace(/-/g, ' ');
    expect(parseReference(spoken)).toBe(reference);
  });

  it('is random, not a counter: consecutive references share no order', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generateReference(randomBytes)));
    expect(seen.size).toBe(1000);
  });
});
