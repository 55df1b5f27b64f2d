import { randomUUID } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { bmpBytes, pngBytes, startMotoServer, type MotoServer } from '@tss/blob-storage/testing';
import { sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';

// ATTACHMENT_STORAGE=s3: the same routes on an S3-compatible bucket (moto), configured from the environment.
describe('attachments on S3-compatible storage', () => {
  const clock = new TestClock('2026-03-04T10:00:00.000Z');
  const partnerId = randomUUID();
  let moto: MotoServer;
  let sut: ServiceUnderTest;
  const token = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const objectKeys = async () => (await moto.client.send(new ListObjectsV2Command({ Bucket: 'tss-s3-attachments' }))).Contents?.map((o) => o.Key) ?? [];

  beforeAll(async () => {
    moto = await startMotoServer();
    await moto.createBucket('tss-s3-attachments');
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      env: {
        ATTACHMENT_STORAGE: 's3',
        ATTACHMENT_S3_BUCKET: 'tss-s3-attachments',
        ATTACHMENT_S3_ENDPOINT: moto.endpoint,
        ATTACHMENT_S3_REGION: moto.region,
        ATTACHMENT_S3_FORCE_PATH_STYLE: 'true',
        ATTACHMENT_S3_ACCESS_KEY_ID: moto.credentials.accessKeyId,
        ATTACHMENT_S3_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
        ATTACHMENT_S3_KEY_PREFIX: 'tss/',
      },
    });
  }, 300_000);

  afterAll(async () => {
    await sut?.stop();
    await moto?.stop();
  });

  it('stores the upload as an object under a server-made key and serves it back; a refusal stores none', async () => {
    const filed = await sut.http().post('/v1/tickets').auth(token(), { type: 'bearer' }).send(sampleTicket());
    const ticketId = filed.body.id as string;
    const uploaded = await sut.http().post(`/v1/tickets/${ticketId}/attachments`).auth(token(), { type: 'bearer' }).attach('file', pngBytes(), 'shot.png');
    expect(uploaded.status).toBe(201);
    const [attachment] = uploaded.body.items;
    expect(await objectKeys()).toEqual([`tss/attachments/${partnerId}/${ticketId}/${attachment.id}`]);

    const got = await sut.http().get(`/v1/tickets/${ticketId}/attachments/${attachment.id}`).auth(token(), { type: 'bearer' }).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(got.body as Buffer, pngBytes())).toBe(0);

    const refused = await sut.http().post(`/v1/tickets/${ticketId}/attachments`).auth(token(), { type: 'bearer' }).attach('file', bmpBytes(), 'screen.bmp');
    expect(refused.status).toBe(415);
    expect(await objectKeys()).toHaveLength(1);
  });
});
