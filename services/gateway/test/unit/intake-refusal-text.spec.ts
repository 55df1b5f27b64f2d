import { fileRefusalText } from '../../src/http/support-site/intake-refusal-text';

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
