import { generateReference, ticketKeyOf } from '../src';

describe('ticketKeyOf: what a route\'s ticket id-or-reference names (docs/api.md §3)', () => {
  it('reads a uuid in any case as an id, lower-cased', () => {
    expect(ticketKeyOf('3F0C1D5E-8A4B-4C2D-9E6F-1A2B3C4D5E6F')).toEqual({ id: '3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6f' });
  });

  it('reads a reference as typed or said (any case, dashes optional, O for 0) as the normalised reference', () => {
    const reference = generateReference(() => Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    expect(ticketKeyOf(reference.toLowerCase().replace(/-/g, '').replace(/0/g, 'o'))).toEqual({ reference });
  });

  // ADR 0008: input is normalised (case, spaces, dashes); leading white space once hid the `TSS` prefix.
  it.each([
    ['leading', (r: string) => ` ${r}`],
    ['trailing', (r: string) => `${r} `],
    ['leading and trailing tabs and newlines', (r: string) => `\t\n${r}\n`],
    ['inside the prefix and between the groups', (r: string) => r.replace('TSS-', 'T S S - ').replace(/-(?=[^-]*$)/, ' ')],
    ['leading, without the prefix', (r: string) => `  ${r.slice(4)}`],
  ])('reads a reference with %s white space as the reference', (_case, typed) => {
    const reference = generateReference(() => Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    expect(ticketKeyOf(typed(reference))).toEqual({ reference });
  });

  it('names nothing for a mistyped reference or other text', () => {
    const reference = generateReference(() => Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    const mistyped = reference.slice(0, -1) + (reference.endsWith('0') ? '1' : '0');
    expect(ticketKeyOf(mistyped)).toBeUndefined();
    expect(ticketKeyOf('3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6')).toBeUndefined();
    expect(ticketKeyOf('')).toBeUndefined();
  });
});
