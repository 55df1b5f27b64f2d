import { multipartFileNameOf } from '../src/http/multipart-file-name';

describe('multipartFileNameOf (WHATWG multipart/form-data file names)', () => {
  it('decodes the three escapes a browser writes: %22 as ", %0D as CR, %0A as LF', () => {
    expect(multipartFileNameOf('Ärger 截图 %22quoted%22.png')).toBe('Ärger 截图 "quoted".png');
    expect(multipartFileNameOf('a%0D%0Ab.png')).toBe('a\r\nb.png');
    expect(multipartFileNameOf('a%0d%0ab%22.png')).toBe('a\r\nb".png');
  });

  it('leaves every other % as the name’s own character (decoded once, never twice)', () => {
    expect(multipartFileNameOf('100%25 done.png')).toBe('100%25 done.png');
    expect(multipartFileNameOf('%2522.png')).toBe('%2522.png');
    expect(multipartFileNameOf('%41%20%E2%80%9C.png')).toBe('%41%20%E2%80%9C.png');
    expect(multipartFileNameOf('plain.png')).toBe('plain.png');
  });
});
