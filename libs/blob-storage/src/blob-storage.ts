import type { Readable } from 'node:stream';

/** What was stored: the key it is under, its size and its SHA-256 (hex), computed while writing. */
export interface PutBlobResult {
  key: string;
  size: number;
  sha256: string;
}

/** A stored blob, read back: its bytes as a stream, the content type it was stored with, its size. */
export interface StoredBlob {
  stream: Readable;
  contentType: string;
  size: number;
}

export interface PutBlobOptions {
  contentType: string;
}

/**
 * Where attachments' bytes live (DESIGN "Blobs"): a filesystem folder by default, an S3-compatible
 * bucket in production. Keys are made by the server (`blobKey`), never taken from user input;
 * events and rows carry the key, never the bytes.
 */
export interface BlobStorage {
  /** Stores the bytes under `key`, replacing nothing half-written: a reader sees all of them or none. */
  put(key: string, body: Buffer | Readable, options: PutBlobOptions): Promise<PutBlobResult>;
  /** The blob under `key`, or null when there is none. */
  get(key: string): Promise<StoredBlob | null>;
  /** Removes the blob; removing a missing key is not an error (a retried clean-up). */
  delete(key: string): Promise<void>;
}
