import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FilesystemBlobStorage } from '../src';
import { blobStorageContract } from '../src/testing';

describe('FilesystemBlobStorage', () => {
  let root: string;
  let storage: FilesystemBlobStorage;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tss-blobs-'));
    storage = new FilesystemBlobStorage(root);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  blobStorageContract(() => storage);

  it('leaves no temporary file behind once a blob is stored', async () => {
    await storage.put('attachments/p/t/one', Buffer.from('bytes'), { contentType: 'image/png' });
    expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
    expect((await readdir(path.join(root, 'attachments/p/t'))).sort()).toEqual(['one', 'one.meta.json']);
  });

  it('a write that fails midway leaves neither a blob nor a temporary file', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000, 7));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(storage.put('attachments/p/t/broken', failing, { contentType: 'image/png' })).rejects.toThrow('client went away');
    expect(await storage.get('attachments/p/t/broken')).toBeNull();
    expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
  });
});
