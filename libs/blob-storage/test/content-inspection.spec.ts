import { randomBytes } from 'node:crypto';
import { checkArchiveEntryKinds, checkArchiveListing, inspectContent, sniffContent, type ArchiveEntry, type ArchiveLimits } from '../src';
import { bmpBytes, gifBytes, jpegBytes, pngBytes, rarBytes, zipBombBytes, zipBytes } from '../src/testing';

const limits: ArchiveLimits = { maxEntries: 5, maxUncompressedBytes: 40 * 1_048_576, maxRatio: 200 };
const entry = (over: Partial<ArchiveEntry>): ArchiveEntry => ({
  name: 'a.bmp',
  directory: false,
  encrypted: false,
  readable: true,
  compressedSize: 100,
  uncompressedSize: 200,
  ...over,
});

describe('sniffContent: the type by its bytes, never by its name (P8)', () => {
  it.each([
    ['jpeg', jpegBytes()],
    ['png', pngBytes()],
    ['gif', gifBytes()],
    ['bmp', bmpBytes()],
    ['zip', zipBytes([{ name: 'a.png', data: pngBytes() }])],
    ['zip', zipBytes([])],
    ['rar', rarBytes([{ name: 'a.png', data: pngBytes() }])],
    ['rar', Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00, 0xcf])],
    ['other', Buffer.from('<html><script>alert(1)</script></html>')],
    ['other', Buffer.from('BM is not enough to be a bitmap')],
    ['other', Buffer.from('%PDF-1.7')],
    ['other', Buffer.alloc(0)],
  ])('%s', (kind, bytes) => {
    expect(sniffContent(bytes.subarray(0, 32))).toBe(kind);
  });
});

describe('archive policy over the directory alone', () => {
  it('refuses an archive with no files', () => {
    expect(checkArchiveListing([entry({ name: 'd/', directory: true })], 100, limits)?.reason).toBe('empty');
  });

  it('passes a small archive of images', () => {
    expect(checkArchiveListing([entry({}), entry({ name: 'd/', directory: true })], 400, limits)).toBeNull();
  });

  it('refuses more entries than the limit', () => {
    const entries = Array.from({ length: 6 }, (_, i) => entry({ name: `${i}.bmp` }));
    expect(checkArchiveListing(entries, 10_000, limits)?.reason).toBe('too_many_entries');
  });

  it('refuses an entry that expands beyond the ratio: a bomb, named from its declared sizes', () => {
    const refusal = checkArchiveListing([entry({ name: 'bomb.bmp', compressedSize: 20_000, uncompressedSize: 4_000_000_000 })], 20_100, limits);
    expect(refusal).toMatchObject({ reason: 'ratio', entry: 'bomb.bmp' });
  });

  it('does not call a small, very compressible file a bomb', () => {
    expect(checkArchiveListing([entry({ compressedSize: 10, uncompressedSize: 60_000 })], 200, limits)).toBeNull();
  });

  it('refuses entries that add up to more than the uncompressed limit', () => {
    const entries = Array.from({ length: 5 }, (_, i) => entry({ name: `${i}.bmp`, compressedSize: 5_000_000, uncompressedSize: 10_000_000 }));
    expect(checkArchiveListing(entries, 25_000_000, limits)?.reason).toBe('too_large');
  });

  it('refuses a whole archive beyond the ratio even when no one entry is', () => {
    const entries = Array.from({ length: 5 }, (_, i) => entry({ name: `${i}.bmp`, compressedSize: 1, uncompressedSize: 1_000_000 }));
    expect(checkArchiveListing(entries, 2_000, limits)?.reason).toBe('ratio');
  });

  it('refuses encrypted entries and methods it cannot read', () => {
    expect(checkArchiveListing([entry({ encrypted: true })], 400, limits)?.reason).toBe('encrypted');
    expect(checkArchiveListing([entry({ readable: false })], 400, limits)?.reason).toBe('unreadable');
  });

  it('allows only JPG, GIF, PNG and BMP entries by their first bytes', () => {
    expect(checkArchiveEntryKinds([entry({ head: bmpBytes() }), entry({ head: jpegBytes() }), entry({ name: 'd/', directory: true })])).toBeNull();
    expect(checkArchiveEntryKinds([entry({ name: 'evil.bmp', head: Buffer.from('MZ\x90\x00') })])).toMatchObject({ reason: 'entry_type', entry: 'evil.bmp' });
    expect(checkArchiveEntryKinds([entry({ name: 'inner.zip', head: zipBytes([]) })])).toMatchObject({ reason: 'entry_type' });
  });
});

describe('inspectContent', () => {
  it('accepts JPG, GIF and PNG with their media types', async () => {
    await expect(inspectContent(jpegBytes(), limits)).resolves.toEqual({ accepted: true, kind: 'jpeg', mediaType: 'image/jpeg' });
    await expect(inspectContent(gifBytes(), limits)).resolves.toEqual({ accepted: true, kind: 'gif', mediaType: 'image/gif' });
    await expect(inspectContent(pngBytes(), limits)).resolves.toEqual({ accepted: true, kind: 'png', mediaType: 'image/png' });
  });

  it('P8: refuses a bare BMP, telling to put it in a ZIP or RAR', async () => {
    const verdict = await inspectContent(bmpBytes(), limits);
    expect(verdict).toMatchObject({ accepted: false, refusal: { reason: 'bare_bmp' } });
    expect(!verdict.accepted && verdict.refusal.detail).toMatch(/inside a ZIP or RAR/);
  });

  it('refuses what is no allowed type', async () => {
    await expect(inspectContent(Buffer.from('%PDF-1.7 ...'), limits)).resolves.toMatchObject({ accepted: false, refusal: { reason: 'unsupported_type' } });
  });

  it('accepts a ZIP of a BMP (deflated) and a PNG (stored), with a folder', async () => {
    const zip = zipBytes([
      { name: 'shots/', data: Buffer.alloc(0), method: 'store' },
      { name: 'shots/screen.bmp', data: bmpBytes(64, 64) },
      { name: 'shots/icon.png', data: pngBytes(), method: 'store' },
    ]);
    await expect(inspectContent(zip, limits)).resolves.toEqual({ accepted: true, kind: 'zip', mediaType: 'application/zip', archiveEntries: 2 });
  });

  it('refuses a ZIP holding a file of another type, named as an image', async () => {
    const zip = zipBytes([{ name: 'screen.bmp', data: Buffer.from('MZ\x90\x00 this is a program') }]);
    await expect(inspectContent(zip, limits)).resolves.toMatchObject({ accepted: false, refusal: { kind: 'zip', reason: 'entry_type', entry: 'screen.bmp' } });
  });

  it('refuses a zip bomb from its directory: its data is never inflated', async () => {
    const bomb = zipBombBytes();
    // Its compressed data overwritten: inflating any of it would fail (unreadable), listing does not.
    const corrupted = Buffer.from(bomb);
    const dataStart = 30 + 'screen.bmp'.length;
    corrupted.fill(0xff, dataStart, dataStart + 1000);
    await expect(inspectContent(corrupted, limits)).resolves.toMatchObject({ accepted: false, refusal: { kind: 'zip', reason: 'ratio', entry: 'screen.bmp' } });
  });

  it('refuses a ZIP with more entries than allowed, from its end record', async () => {
    const zip = zipBytes(Array.from({ length: 6 }, (_, i) => ({ name: `${i}.png`, data: pngBytes() })));
    await expect(inspectContent(zip, limits)).resolves.toMatchObject({ accepted: false, refusal: { reason: 'too_many_entries' } });
  });

  it('refuses an encrypted ZIP entry without trying to read it', async () => {
    const zip = zipBytes([{ name: 'secret.bmp', data: randomBytes(200), encrypted: true }]);
    await expect(inspectContent(zip, limits)).resolves.toMatchObject({ accepted: false, refusal: { reason: 'encrypted', entry: 'secret.bmp' } });
  });

  it('refuses a truncated ZIP as unreadable, not as an error', async () => {
    const zip = zipBytes([{ name: 'a.png', data: pngBytes() }]);
    await expect(inspectContent(zip.subarray(0, zip.length - 30), limits)).resolves.toMatchObject({ accepted: false, refusal: { reason: 'unreadable' } });
  });

  it('accepts a RAR of a BMP and a GIF', async () => {
    const rar = rarBytes([{ name: 'screen.bmp', data: bmpBytes(8, 8) }, { name: 'anim.gif', data: gifBytes() }]);
    await expect(inspectContent(rar, limits)).resolves.toEqual({ accepted: true, kind: 'rar', mediaType: 'application/vnd.rar', archiveEntries: 2 });
  });

  it('refuses a RAR holding another type', async () => {
    const rar = rarBytes([{ name: 'notes.gif', data: Buffer.from('plain text, not a GIF') }]);
    await expect(inspectContent(rar, limits)).resolves.toMatchObject({ accepted: false, refusal: { kind: 'rar', reason: 'entry_type', entry: 'notes.gif' } });
  });

  it('refuses a RAR whose declared sizes make a bomb, before unpacking', async () => {
    const rar = rarBytes([{ name: 'screen.bmp', data: bmpBytes(), declaredSize: 3_000_000_000 }]);
    await expect(inspectContent(rar, limits)).resolves.toMatchObject({ accepted: false, refusal: { kind: 'rar', reason: 'ratio' } });
  });

  it('refuses a RAR with too many entries, and a corrupt one', async () => {
    const many = rarBytes(Array.from({ length: 6 }, (_, i) => ({ name: `${i}.png`, data: pngBytes() })));
    await expect(inspectContent(many, limits)).resolves.toMatchObject({ accepted: false, refusal: { reason: 'too_many_entries' } });
    const corrupt = rarBytes([{ name: 'a.png', data: pngBytes() }]);
    corrupt[13] ^= 0xff; // inside the main header: its CRC no longer matches
    await expect(inspectContent(corrupt, limits)).resolves.toMatchObject({ accepted: false, refusal: { kind: 'rar', reason: 'unreadable' } });
    // A RAR signature followed by anything else lists no files: not an archive to accept.
    const signatureOnly = Buffer.concat([corrupt.subarray(0, 8), Buffer.from('<html><script>alert(1)</script></html>')]);
    await expect(inspectContent(signatureOnly, limits)).resolves.toMatchObject({ accepted: false, refusal: { kind: 'rar', reason: 'empty' } });
  });

  it('inspects concurrent RARs without mixing them up', async () => {
    const good = rarBytes([{ name: 'a.png', data: pngBytes() }]);
    const bad = rarBytes([{ name: 'b.png', data: Buffer.from('text') }]);
    const verdicts = await Promise.all([good, bad, good, bad].map((r) => inspectContent(r, limits)));
    expect(verdicts.map((v) => v.accepted)).toEqual([true, false, true, false]);
  });
});
