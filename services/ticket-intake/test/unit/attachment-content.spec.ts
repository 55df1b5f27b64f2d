import { Type } from '@sinclair/typebox';
import { loadConfig } from '@tss/service-kit';
import { contentFailure, MAX_FILE_NAME_LENGTH, quotedFileName, sanitiseFileName } from '../../src/domain/attachment-content';
import { contentDisposition } from '../../src/http/attachment.routes';
import { attachmentsPart } from '../../src/parts/attachments.part';

describe('attachment names (display only)', () => {
  it.each([
    ['screenshot.png', 'png', 'screenshot.png'],
    ['C:\\Users\\ann\\Desktop\\shot.PNG', 'png', 'shot.PNG'],
    ['../../etc/passwd', 'png', 'passwd.png'],
    ['page.html', 'png', 'page.html.png'],
    ['photo.jpeg', 'jpeg', 'photo.jpeg'],
    ['photo.png', 'jpeg', 'photo.png.jpg'],
    ['invoice\u202egnp.exe', 'png', 'invoicegnp.exe.png'],
    ['tab\tand\nnewline.gif', 'gif', 'tab and newline.gif'],
    ['nul\u0000byte.gif', 'gif', 'nulbyte.gif'],
    ['.hidden.png', 'png', 'hidden.png'],
    ['', 'zip', 'attachment.zip'],
    [undefined, 'rar', 'attachment.rar'],
    ['.png', 'png', 'png.png'],
    ['..', 'gif', 'attachment.gif'],
  ] as const)('%j as %s is %j', (given, kind, expected) => {
    expect(sanitiseFileName(given, kind)).toBe(expected);
  });

  it('bounds the length by code points and keeps the extension', () => {
    const name = sanitiseFileName(`${'😀'.repeat(300)}.png`, 'png');
    expect([...name]).toHaveLength(MAX_FILE_NAME_LENGTH);
    expect(name.endsWith('😀.png')).toBe(true);
  });

  it('quotes a sent name in problem details, or says "The file" when it has none', () => {
    expect(quotedFileName('dir/a.bmp')).toBe('"a.bmp"');
    expect(quotedFileName(undefined)).toBe('The file');
  });

  it('RFC 6266/8187: an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('plain.png')).toBe(`attachment; filename="plain.png"; filename*=UTF-8''plain.png`);
    expect(contentDisposition('a "quoted" (1)*.png')).toBe(`attachment; filename="a _quoted_ (1)*.png"; filename*=UTF-8''a%20%22quoted%22%20%281%29%2A.png`);
    expect(contentDisposition('снимок.png')).toBe(`attachment; filename="______.png"; filename*=UTF-8''%D1%81%D0%BD%D0%B8%D0%BC%D0%BE%D0%BA.png`);
  });
});

describe('refusals as HTTP failures (P8)', () => {
  it('a type that is not allowed is 415, a bare BMP included', () => {
    expect(contentFailure({ reason: 'bare_bmp', kind: 'bmp', detail: 'put it in a ZIP' }, '"a.bmp"')).toMatchObject({
      kind: 'unsupported_media_type',
      detail: '"a.bmp": put it in a ZIP',
      extensions: { reason: 'bare_bmp' },
    });
    expect(contentFailure({ reason: 'unsupported_type', kind: 'other', detail: 'no' }, '"x"').kind).toBe('unsupported_media_type');
  });

  it('an archive refused for what it holds or its size is 422, naming the entry', () => {
    expect(contentFailure({ kind: 'zip', reason: 'ratio', entry: 'bomb.bmp', detail: 'bomb' }, '"b.zip"')).toMatchObject({
      kind: 'unprocessable',
      extensions: { reason: 'ratio', entry: 'bomb.bmp', file: '"b.zip"' },
    });
  });
});

describe('attachment settings', () => {
  const defaults = loadConfig(Type.Object(attachmentsPart.config!), {});
  const problems = (env: Record<string, string>) => attachmentsPart.configProblems!(loadConfig(Type.Object(attachmentsPart.config!), env));

  it('defaults: the filesystem under .data/attachments, 10 MiB a file, 25 MiB a message', () => {
    expect(defaults).toMatchObject({ ATTACHMENT_STORAGE: 'filesystem', ATTACHMENT_DIR: '.data/attachments', ATTACHMENT_MAX_FILE_BYTES: 10 * 1_048_576, ATTACHMENT_MAX_MESSAGE_BYTES: 25 * 1_048_576 });
    expect(problems({})).toEqual([]);
  });

  it('refuses S3 without a bucket, half a key pair, and a message limit below the file limit', () => {
    expect(problems({ ATTACHMENT_STORAGE: 's3' })).toEqual(['ATTACHMENT_S3_BUCKET: required when ATTACHMENT_STORAGE is s3']);
    expect(problems({ ATTACHMENT_S3_ACCESS_KEY_ID: 'AKIA' })).toEqual(['ATTACHMENT_S3_ACCESS_KEY_ID, ATTACHMENT_S3_SECRET_ACCESS_KEY: set both or neither']);
    expect(problems({ ATTACHMENT_MAX_FILE_BYTES: '2048', ATTACHMENT_MAX_MESSAGE_BYTES: '1024' })).toEqual(['ATTACHMENT_MAX_MESSAGE_BYTES: must be at least ATTACHMENT_MAX_FILE_BYTES']);
  });
});
