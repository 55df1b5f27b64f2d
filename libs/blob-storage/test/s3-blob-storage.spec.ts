import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { S3BlobStorage } from '../src';
import { blobStorageContract, startMotoServer, type MotoServer } from '../src/testing';

describe('S3BlobStorage against an S3-compatible server (moto)', () => {
  let moto: MotoServer;
  let storage: S3BlobStorage;

  beforeAll(async () => {
    moto = await startMotoServer();
    const bucket = await moto.createBucket('tss-attachments');
    storage = new S3BlobStorage({ bucket, endpoint: moto.endpoint, region: moto.region, forcePathStyle: true, credentials: moto.credentials, keyPrefix: 'tss/' });
  }, 300_000);

  afterAll(async () => {
    storage?.close();
    await moto?.stop();
  });

  blobStorageContract(() => storage);

  it('stores under the configured prefix, with the content type as object metadata', async () => {
    const put = await storage.put('attachments/p/t/a1', Buffer.from('GIF89a...'), { contentType: 'image/gif' });
    const listed = await moto.client.send(new ListObjectsV2Command({ Bucket: 'tss-attachments', Prefix: 'tss/attachments/p/t/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['tss/attachments/p/t/a1']);
    expect(put.size).toBe(9);
    expect((await storage.get('attachments/p/t/a1'))?.contentType).toBe('image/gif');
  });

  it('a missing bucket is an error, not a missing blob', async () => {
    const wrong = new S3BlobStorage({ bucket: 'no-such-bucket', endpoint: moto.endpoint, region: moto.region, forcePathStyle: true, credentials: moto.credentials });
    try {
      await expect(wrong.put('attachments/x', Buffer.from('x'), { contentType: 'image/png' })).rejects.toThrow();
      await expect(wrong.get('attachments/x')).rejects.toThrow(/bucket/i);
    } finally {
      wrong.close();
    }
  });
});
