import { fileRefusalText, replyTooLargeText } from '../../src/http/support-site/intake-refusal-text';

// An outside tester: the Russian page quoted a refused file as "enc.zip" (intake's English quotes)
// while mails write «enc.zip» (docs/adr/0037, addendum of 2026-12-05, sixth session).
describe('a refused file, as the support site names it', () => {
  const encrypted = { kind: 'unprocessable', extensions: { file: '"enc.zip"', reason: 'encrypted' } } as const;

  it('a Russian page quotes its name «…», an English one "…"', () => {
    expect(fileRefusalText('ru', encrypted)).toBe('«enc.zip»: архив зашифрован, поэтому его содержимое нельзя проверить');
    expect(fileRefusalText('en', encrypted)).toBe('"enc.zip": the archive is encrypted, so its content cannot be checked');
  });

  it('a file intake could not name is "the file" in the page\'s words, never intake\'s English', () => {
    const unnamed = { kind: 'payload_too_large', extensions: { file: 'The file', maxFileBytes: 5_242_880 } } as const;
    expect(fileRefusalText('ru', unnamed)).not.toContain('The file');
  });
});

// A re-test with ATTACHMENT_MAX_FILE_BYTES=100000: the reply form said '"big.png" is larger than 0 MB'
// (whole mebibytes, rounded down) under a hint that read "up to 97.6 KB".
describe('a refused reply\'s size limits, as the support site states them', () => {
  const tooLarge = (extensions: Record<string, unknown>) => ({ kind: 'payload_too_large', extensions }) as const;

  it('states a limit below a megabyte, or not a whole number of them, as the hint does', () => {
    expect(fileRefusalText('en', tooLarge({ file: '"big.png"', maxFileBytes: 100_000 }))).toBe('"big.png" is larger than 97.6 KB, the most one file may be');
    expect(fileRefusalText('ru', tooLarge({ file: '"big.png"', maxFileBytes: 100_000 }))).toBe('«big.png» больше 97,6 КБ — это наибольший размер одного файла');
    expect(fileRefusalText('en', tooLarge({ maxMessageBytes: 16_252_928 }))).toBe('The files add up to more than 15.5 MB, the most one reply may carry');
    expect(fileRefusalText('ru', tooLarge({ maxMessageBytes: 26_214_400 }))).toBe('Файлы вместе больше 25 МБ — это наибольший объём одного ответа');
  });

  it('the site\'s own bound on a reply\'s files too', () => {
    expect(replyTooLargeText('ru', { maxFiles: 5, maxFileBytes: 100_000 })).toContain('каждый не больше 97,6 КБ');
  });
});
