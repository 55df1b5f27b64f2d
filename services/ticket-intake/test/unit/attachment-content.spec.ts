import { contentFailure, MAX_FILE_NAME_LENGTH, quotedFileName, sanitiseFileName } from '../../src/domain/attachment-content';
import { contentDisposition } from '../../src/http/attachment.routes';

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
