import { readUrlencodedForm } from '../src';

const form = (body: string | Buffer, cut = false) => {
  const read = readUrlencodedForm(Buffer.isBuffer(body) ? body : Buffer.from(body), cut);
  return { fields: { ...read.fields }, problems: { ...read.problems } };
};

describe('readUrlencodedForm (docs/adr/0063)', () => {
  it('reads fields as a browser encodes them: + as a space, escapes as UTF-8, Cyrillic and emoji exactly', () => {
    expect(form('text=Hello+there%21&name=%D0%81%D0%B6%D0%B8%D0%BA+%F0%9F%A6%94&empty=')).toEqual({
      fields: { text: 'Hello there!', name: 'Ёжик 🦔', empty: '' },
      problems: {},
    });
  });

  it.each([
    ['an overlong escape', 'a%C0%AFb'],
    ['an escaped surrogate', 'a%ED%A0%80b'],
    ['a broken escape', 'a%ZZb%'],
    ['a NUL', 'a%00b'],
  ])('%s makes the field unreadable, not text with U+FFFD or the escape left in', (_label, value) => {
    expect(form(`description=${value}&product=reader`)).toEqual({ fields: { product: 'reader' }, problems: { description: 'unreadable' } });
  });

  it('raw bytes that are not UTF-8 make the field unreadable', () => {
    expect(form(Buffer.concat([Buffer.from('description=a'), Buffer.from([0xff, 0xc3]), Buffer.from('b')]))).toEqual({ fields: {}, problems: { description: 'unreadable' } });
  });

  it('a field sent twice is unreadable, whichever value came first', () => {
    expect(form('product=reader&product=player&product=reader')).toEqual({ fields: {}, problems: { product: 'unreadable' } });
  });

  it('a cut form: its last field is too long, the fields before it are read', () => {
    expect(form('product=reader&description=xxxxx', true)).toEqual({ fields: { product: 'reader' }, problems: { description: 'too_long' } });
    // Cut inside a name: no field to name.
    expect(form('product=reader&descri', true)).toEqual({ fields: { product: 'reader' }, problems: {} });
  });

  it('a name like __proto__ is an ordinary field', () => {
    const read = readUrlencodedForm(Buffer.from('__proto__=x&constructor=y'));
    expect(Object.entries(read.fields)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });
});
