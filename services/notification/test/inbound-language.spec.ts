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

  // An outside tester: a Russian requester's "Отправлено с iPhone" in reply to the «Решено» mail was
  // counted English: "Re" and our reference are Latin, and outnumbered the words (sixth session).
  it('counts no letters of ours or of the reply: "Re:", "[TSS-…]" and our subject\'s lead', () => {
    expect(mailLanguage('Re: [TSS-WWJ1P-13MMM] Решено', 'Отправлено с iPhone')).toBe('ru');
    expect(mailLanguage('RE: Fwd: [TSS-WWJ1P-13MMM] Resolved', 'Отправлено с iPhone')).toBe('ru');
    expect(mailLanguage('Re: [TSS-WWJ1P-13MMM] Closed: outside technical support', 'Ок, понял')).toBe('ru');
    expect(mailLanguage('Re: [TSS-WWJ1P-13MMM] Закрыто: вне рамок технической поддержки: Reader crashes', 'Still crashes')).toBe('en');
    // The subject after our lead is the request's own, in its requester's words: counted.
    expect(mailLanguage('Re: [TSS-WWJ1P-13MMM] Request received: Читалка не открывает EPUB', 'ok')).toBe('ru');
  });
});
