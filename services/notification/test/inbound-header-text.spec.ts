import { storableHeaderText, storableMessageId } from '../src/domain/inbound-header-text';

describe('header values and attachment names as inbound mail keeps them (docs/adr/0035, addendum of 2026-12-04)', () => {
  it('drops NUL, the other C0 controls, DEL and lone surrogates; a tab becomes a space; pairs and other text stay', () => {
    expect(storableHeaderText('a\u0000b\u0007c\u001b[31m\u007Fd\te')).toBe('abc[31md e');
    expect(storableHeaderText('x\uD800y\uDC00z')).toBe('xyz');
    expect(storableHeaderText('Отчёт 😀.png')).toBe('Отчёт 😀.png');
  });

  it('a Message-ID with nothing left once made storable names no message', () => {
    expect(storableMessageId('<a\u0000b@client.example>')).toBe('<ab@client.example>');
    expect(storableMessageId('<\u0000>')).toBeUndefined();
    expect(storableMessageId(undefined)).toBeUndefined();
  });
});
