import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertBlobKey } from './blob-key';
import type { BlobStorage, PutBlobOptions, PutBlobResult, StoredBlob } from './blob-storage';

interface BlobMeta {
  contentType: string;
  size: number;
  sha256: string;
}

const TEMP_FOLDER = '.tmp';
const META_SUFFIX = '.meta.json';

const isMissing = (error: unknown): boolean => typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';

/**
 * Blobs as files under one root folder: `<root>/<key>` and its `<key>.meta.json` (content type,
 * size, SHA-256). Each is written to a temporary file in the same filesystem and renamed into
 * place, and the metadata goes last: a blob is visible only once all of its bytes are, and a
 * crash mid-write leaves only a temporary file (under `<root>/.tmp`), never a short blob.
 */
export class FilesystemBlobStorage implements BlobStorage {
  constructor(private readonly root: string) {}

  async put(key: string, body: Buffer | Readable, options: PutBlobOptions): Promise<PutBlobResult> {
    const target = this.pathOf(key);
    const tempFolder = path.join(this.root, TEMP_FOLDER);
    await Promise.all([mkdir(tempFolder, { recursive: true }), mkdir(path.dirname(target), { recursive: true })]);
    const temp = path.join(tempFolder, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, measure, createWriteStream(temp, { flags: 'wx' }));
      const meta: BlobMeta = { contentType: options.contentType, size, sha256: hash.digest('hex') };
      await rename(temp, target);
      const tempMeta = `${temp}${META_SUFFIX}`;
      await writeFile(tempMeta, JSON.stringify(meta), { flag: 'wx' });
      await rename(tempMeta, `${target}${META_SUFFIX}`);
      return { key, size: meta.size, sha256: meta.sha256 };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<StoredBlob | null> {
    const target = this.pathOf(key);
    let meta: BlobMeta;
    try {
      meta = JSON.parse(await readFile(`${target}${META_SUFFIX}`, 'utf8')) as BlobMeta;
      await stat(target);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    return { stream: createReadStream(target), contentType: meta.contentType, size: meta.size };
  }

  async delete(key: string): Promise<void> {
    const target = this.pathOf(key);
    // Metadata first: from then on the blob reads as missing, whatever happens to the data file.
    await rm(`${target}${META_SUFFIX}`, { force: true });
    await rm(target, { force: true });
  }

  private pathOf(key: string): string {
    assertBlobKey(key);
    return path.join(this.root, ...key.split('/'));
  }
}
