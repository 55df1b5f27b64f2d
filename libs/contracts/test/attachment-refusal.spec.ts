import { attachmentRefusalText, fileSizeLimitText } from '../src';

describe('a mailed file refused for its size names the limit (P8)', () => {
  it.each([
    [{ reason: 'file_too_large', maxFileBytes: 10 * 1_048_576 }, 'en', 'the file is larger than 10 MB, the most one file may be'],
    [{ reason: 'file_too_large', maxFileBytes: 10 * 1_048_576 }, 'ru', 'файл больше 10 МБ, а один файл может быть не больше 10 МБ'],
    [{ reason: 'message_too_large', maxMessageBytes: 25 * 1_048_576 }, 'en', "with it the mail's files would add up to more than 25 MB, the most one mail's files may add up to"],
    [{ reason: 'message_too_large', maxMessageBytes: 25 * 1_048_576 }, 'ru', 'с ним файлы письма заняли бы больше 25 МБ, а файлы одного письма вместе могут быть не больше 25 МБ'],
  ] as const)('%j in %s', (file, language, text) => {
    expect(attachmentRefusalText(file, language)).toBe(text);
  });

  it.each([
    [10 * 1_048_576, 'en', '10 MB'],
    [1_572_864, 'ru', '1,5 МБ'],
    [8 * 1024, 'ru', '8 КБ'],
    [10_485_759, 'en', '9.9 MB'],
  ] as const)('%d bytes as a limit in %s: %s', (bytes, language, text) => {
    expect(fileSizeLimitText(bytes, language)).toBe(text);
  });
});
