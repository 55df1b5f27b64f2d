import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { assertBlobKey } from './blob-key';
import type { BlobStorage, PutBlobOptions, PutBlobResult, StoredBlob } from './blob-storage';

export interface S3BlobStorageOptions {
  bucket: string;
  /** An S3-compatible endpoint (MinIO, Ceph, moto); AWS's own when absent. */
  endpoint?: string;
  region: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`: what most S3-compatible servers need. */
  forcePathStyle: boolean;
  /** Static credentials; the SDK's default chain (environment, web identity, instance role) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Prepended to every key, e.g. `tss/`: several installations may share a bucket. */
  keyPrefix?: string;
}

const SHA256_METADATA = 'sha256';

// Only a missing key: a missing bucket (also a 404) is a misconfiguration and stays an error.
const isMissingKey = (error: unknown): boolean => error instanceof S3ServiceException && error.name === 'NoSuchKey';

const toBuffer = async (body: Buffer | Readable): Promise<Buffer> => {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
};

/**
 * Blobs as objects of one S3-compatible bucket. A PUT is atomic on S3 (an object appears whole or
 * not at all), so no temporary object is needed. Bodies are sent with their length and SHA-256
 * known, which the caller's size limits keep small (attachments: ATTACHMENT_MAX_FILE_BYTES).
 */
export class S3BlobStorage implements BlobStorage {
  private readonly client: S3Client;

  constructor(private readonly options: S3BlobStorageOptions, client?: S3Client) {
    this.client =
      client ??
      new S3Client({
        region: options.region,
        forcePathStyle: options.forcePathStyle,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
  }

  async put(key: string, body: Buffer | Readable, options: PutBlobOptions): Promise<PutBlobResult> {
    const bytes = await toBuffer(body);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.objectKey(key),
        Body: bytes,
        ContentLength: bytes.length,
        ContentType: options.contentType,
        Metadata: { [SHA256_METADATA]: sha256 },
      }),
    );
    return { key, size: bytes.length, sha256 };
  }

  async get(key: string): Promise<StoredBlob | null> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      if (!(object.Body instanceof Readable)) throw new Error(`S3 GetObject of ${key}: the body is not a Node stream`);
      return { stream: object.Body, contentType: object.ContentType ?? 'application/octet-stream', size: object.ContentLength ?? 0 };
    } catch (error) {
      if (isMissingKey(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a missing key too: deleting twice is not an error.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    assertBlobKey(key);
    return `${this.options.keyPrefix ?? ''}${key}`;
  }
}
