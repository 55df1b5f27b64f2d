import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobStorage } from '../blob-storage';

const readAll = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * What every BlobStorage adapter promises (STYLE 3b: one contract suite per port), run by each
 * adapter's spec against a real store: `storage()` gives the adapter under test.
 */
export const blobStorageContract = (storage: () => BlobStorage): void => {
  const newKey = () => `contract/${randomUUID()}`;

  it('stores a buffer and gives back the same bytes, content type, size and SHA-256', async () => {
    const key = newKey();
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255]);
    const put = await storage().put(key, bytes, { contentType: 'image/png' });
    expect(put).toEqual({ key, size: bytes.length, sha256: sha256(bytes) });
    const got = await storage().get(key);
    expect(got).not.toBeNull();
    expect(got!.contentType).toBe('image/png');
    expect(got!.size).toBe(bytes.length);
    expect(await readAll(got!.stream)).toEqual(bytes);
  });

  it('stores a stream of several chunks', async () => {
    const key = newKey();
    const chunks = [Buffer.alloc(70_000, 1), Buffer.alloc(70_000, 2), Buffer.from('end')];
    const whole = Buffer.concat(chunks);
    const put = await storage().put(key, Readable.from(chunks), { contentType: 'application/zip' });
    expect(put.size).toBe(whole.length);
    expect(put.sha256).toBe(sha256(whole));
    expect(await readAll((await storage().get(key))!.stream)).toEqual(whole);
  });

  it('answers null for a key that holds nothing', async () => {
    expect(await storage().get(newKey())).toBeNull();
  });

  it('deletes, and deleting again or a missing key is not an error', async () => {
    const key = newKey();
    await storage().put(key, Buffer.from('x'), { contentType: 'image/gif' });
    await storage().delete(key);
    expect(await storage().get(key)).toBeNull();
    await expect(storage().delete(key)).resolves.toBeUndefined();
  });

  it('refuses keys no server code makes (path climbing, upper case, empty segments)', async () => {
    for (const key of ['../etc/passwd', 'a/../../b', 'A/b', 'a//b', '/a', 'a/b.txt', '']) {
      await expect(storage().put(key, Buffer.from('x'), { contentType: 'image/png' })).rejects.toThrow(/not a blob key/);
    }
  });
};
