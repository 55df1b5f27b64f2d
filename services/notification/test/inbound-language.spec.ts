import { mailLanguage } from '../src/domain/inbound-language';

describe('the language of a mailed request (docs/adr/0035, addendum of 2026-12-04, second session)', () => {
  it('is ru when its letters are mainly Cyrillic, Latin product names and digits notwithstanding', () => {
    expect(mailLanguage('Читалка падает', 'Здравствуйте! Reader 4.2.1 падает при открытии EPUB на Windows 11.')).toBe('ru');
    expect(mailLanguage('Re: [TSS-ABCDE-FGHIJ] Reader crashes', 'Всё ещё падает после обновления, проверил дважды.')).toBe('ru');
  });

  it('is en for Latin-script mail, mail with a Russian word or two, and mail with no letters', () => {
    expect(mailLanguage('Reader crashes', 'Hello, Reader 4.2 crashes on opening an EPUB (Москва office).')).toBe('en');
    expect(mailLanguage('', '12345 !!!')).toBe('en');
  });

  it('reads a bounded number of letters: a huge mail is decided by its beginning', () => {
    expect(mailLanguage('', `${'Ж'.repeat(5_000)}${'x'.repeat(1_000_000)}`)).toBe('ru');
  });
});
