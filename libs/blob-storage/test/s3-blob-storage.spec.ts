import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { S3BlobStorage } from '../src';
import { blobStorageContract } from '../src/testing';

// A real S3-compatible server: moto in server mode (deploy/s3/moto-server.sh installs it from PyPI
// into .cache/tools on first use), on a free port of 127.0.0.1.
const MOTO_SCRIPT = path.join(__dirname, '../../../deploy/s3/moto-server.sh');
const credentials = { accessKeyId: 'test-access-key', secretAccessKey: 'test-secret-key' };

describe('S3BlobStorage against an S3-compatible server', () => {
  let moto: ChildProcess;
  let endpoint: string;
  let storage: S3BlobStorage;
  let admin: S3Client;

  beforeAll(async () => {
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    moto = spawn(MOTO_SCRIPT, ['run', String(port)], { stdio: 'ignore' });
    admin = new S3Client({ endpoint, region: 'eu-central-1', forcePathStyle: true, credentials });
    await waitFor('moto to answer', async () => (await fetch(`${endpoint}/`)).ok, { timeoutMs: 240_000, intervalMs: 200 });
    await admin.send(new CreateBucketCommand({ Bucket: 'tss-attachments', CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }));
    storage = new S3BlobStorage({ bucket: 'tss-attachments', endpoint, region: 'eu-central-1', forcePathStyle: true, credentials, keyPrefix: 'tss/' });
  }, 300_000);

  afterAll(async () => {
    storage?.close();
    admin?.destroy();
    if (moto && moto.exitCode === null) {
      const exited = new Promise((resolve) => moto.once('exit', resolve));
      moto.kill('SIGTERM');
      await exited;
    }
  });

  blobStorageContract(() => storage);

  it('stores under the configured prefix, with the content type and SHA-256 as object metadata', async () => {
    const put = await storage.put('attachments/p/t/a1', Buffer.from('GIF89a...'), { contentType: 'image/gif' });
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: 'tss-attachments', Prefix: 'tss/attachments/p/t/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['tss/attachments/p/t/a1']);
    expect(put.size).toBe(9);
    const got = await storage.get('attachments/p/t/a1');
    expect(got?.contentType).toBe('image/gif');
  });

  it('a missing bucket is an error, not a missing blob', async () => {
    const wrong = new S3BlobStorage({ bucket: 'no-such-bucket', endpoint, region: 'eu-central-1', forcePathStyle: true, credentials });
    try {
      await expect(wrong.put('attachments/x', Buffer.from('x'), { contentType: 'image/png' })).rejects.toThrow();
      await expect(wrong.get('attachments/x')).rejects.toThrow(/bucket/i);
    } finally {
      wrong.close();
    }
  });
});
