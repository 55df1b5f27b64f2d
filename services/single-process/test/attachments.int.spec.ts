import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bmpBytes, pngBytes, rarBytes, zipBombBytes, zipBytes } from '@tss/blob-storage/testing';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const MiB = 1_048_576;

// P8 through the whole platform: the gateway's authentication, edge protection and body limit in
// front of intake's attachment routes, with the default size limits.
describe('attachments through the platform (P8, issue #9)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let blobRoot: string;
  let acme: { partnerId: string; token: string };
  let rival: { token: string };
  let ann: string;
  let agent: string;
  let ticketId: string;

  const upload = (token: string, files: { name: string; bytes: Buffer }[], id = ticketId) => {
    let req = client.http().post(`/v1/tickets/${id}/attachments`).auth(token, { type: 'bearer' });
    for (const f of files) req = req.attach('file', f.bytes, { filename: f.name, contentType: 'image/png' });
    return req;
  };
  const download = (token: string, attachmentId: string) =>
    client
      .http()
      .get(`/v1/tickets/${ticketId}/attachments/${attachmentId}`)
      .auth(token, { type: 'bearer' })
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
  const storedRows = async () => (await platform.query('ticket-intake', 'SELECT id FROM ticket_intake.attachments WHERE ticket_id = $1', [ticketId])).length;

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-platform-attachments-'));
    platform = await startTestPlatform('attachments', { env: { ATTACHMENT_DIR: blobRoot } });
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Attachments');
    rival = await client.partner(admin, 'Rival Attachments');
    ann = await client.requester(acme.token, 'cust-ann');
    agent = (await client.staff(admin, ['agent'])).token;
    const filed = await client.http().post('/v1/tickets').auth(ann, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    ticketId = filed.body.id;
  });

  afterAll(async () => {
    await platform?.stop();
    await rm(blobRoot, { recursive: true, force: true });
  });

  it('a requester uploads a screenshot larger than the JSON body limit; partner and staff download it unchanged', async () => {
    const screenshot = Buffer.concat([pngBytes(), Buffer.alloc(3 * MiB, 0x5a)]);
    const uploaded = await upload(ann, [{ name: 'screen.png', bytes: screenshot }]);
    expect(uploaded.status).toBe(201);
    const [attachment] = uploaded.body.items;
    expect(attachment).toMatchObject({ ticketId, fileName: 'screen.png', contentType: 'image/png', size: screenshot.length, uploadedBy: { kind: 'requester', id: 'cust-ann' } });

    for (const token of [acme.token, agent]) {
      const got = await download(token, attachment.id);
      expect(got.status).toBe(200);
      expect(got.headers['content-type']).toBe('image/png');
      expect(got.headers['content-disposition']).toBe(`attachment; filename="screen.png"; filename*=UTF-8''screen.png`);
      expect(got.headers['x-content-type-options']).toBe('nosniff');
      expect(Buffer.compare(got.body as Buffer, screenshot)).toBe(0);
    }
    const listed = await client.http().get(`/v1/tickets/${ticketId}/attachments`).auth(acme.token, { type: 'bearer' });
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([attachment.id]);
  });

  it('P8: a raw BMP is a 415 problem asking for a ZIP or RAR; inside a RAR it is accepted', async () => {
    const before = await storedRows();
    const refused = await upload(ann, [{ name: 'screen.bmp', bytes: bmpBytes(32, 32) }]);
    expect(refused.status).toBe(415);
    expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(refused.body.detail).toMatch(/inside a ZIP or RAR archive/);
    expect(await storedRows()).toBe(before);

    const accepted = await upload(ann, [{ name: 'screen.rar', bytes: rarBytes([{ name: 'screen.bmp', data: bmpBytes(32, 32) }]) }]);
    expect(accepted.status).toBe(201);
    expect(accepted.body.items[0].contentType).toBe('application/vnd.rar');
  });

  it('P8: a zip bomb is a 422 with the default limits, and a file over 10 MiB a 413', async () => {
    const before = await storedRows();
    const bomb = await upload(ann, [{ name: 'screens.zip', bytes: zipBombBytes(50 * MiB) }]);
    expect(bomb.status).toBe(422);
    expect(bomb.body).toMatchObject({ reason: 'ratio', entry: 'screen.bmp' });

    const huge = await upload(ann, [{ name: 'huge.zip', bytes: Buffer.concat([zipBytes([{ name: 'a.png', data: pngBytes() }]), Buffer.alloc(10 * MiB)]) }]);
    expect(huge.status).toBe(413);
    expect(await storedRows()).toBe(before);
  });

  it('a foreign partner gets a 404 on every attachment route', async () => {
    const [attachment] = (await client.http().get(`/v1/tickets/${ticketId}/attachments`).auth(ann, { type: 'bearer' })).body.items;
    expect((await upload(rival.token, [{ name: 'x.png', bytes: pngBytes() }])).status).toBe(404);
    expect((await client.http().get(`/v1/tickets/${ticketId}/attachments`).auth(rival.token, { type: 'bearer' })).status).toBe(404);
    expect((await download(rival.token, attachment.id)).status).toBe(404);
  });

  it('the API document describes the upload as multipart/form-data with its refusals', async () => {
    const document = (await client.http().get('/openapi.json')).body;
    const post = document.paths['/v1/tickets/{id}/attachments'].post;
    expect(Object.keys(post.requestBody.content)).toEqual(['multipart/form-data']);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '404', '413', '415', '422']));
    const get = document.paths['/v1/tickets/{id}/attachments/{attachmentId}'].get;
    expect(Object.keys(get.responses['200'].content)).toEqual(expect.arrayContaining(['image/png', 'application/zip', 'application/vnd.rar']));
  });
  it.each([
    ['half of its body', 0.5],
    ['its head alone', 0],
  ])('an upload with an Idempotency-Key cut off after %s leaves the key free: the complete retry stores the file once (docs/adr/0028)', async (_cut, share) => {
    const key = `upload-cut-${share}`;
    const boundary = 'cut-boundary';
    const form = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="shot.png"\r\ncontent-type: image/png\r\n\r\n`),
      pngBytes(),
      Buffer.alloc(200_000, 0),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const keyRow = async () =>
      (await platform.query<{ state: string }>('ticket-intake', 'SELECT state FROM ticket_intake.idempotency_keys WHERE key = $1', [key]))[0];
    const server = platform.running.platform.app.server;
    if (!server.listening) await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
    const before = await storedRows();

    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(
      `POST /v1/tickets/${ticketId}/attachments HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${ann}\r\nidempotency-key: ${key}\r\n` +
        `content-type: multipart/form-data; boundary=${boundary}\r\ncontent-length: ${form.length}\r\n\r\n`,
    );
    socket.write(form.subarray(0, Math.floor(form.length * share)));
    await waitFor('the cut upload to hold its key', async () => (await keyRow())?.state === 'in_flight');
    socket.destroy();
    await waitFor('the cut upload to be over', async () => (await keyRow())?.state !== 'in_flight');

    const retry = await client
      .http()
      .post(`/v1/tickets/${ticketId}/attachments`)
      .auth(ann, { type: 'bearer' })
      .set('idempotency-key', key)
      .set('content-type', `multipart/form-data; boundary=${boundary}`)
      .send(form);
    const again = await client
      .http()
      .post(`/v1/tickets/${ticketId}/attachments`)
      .auth(ann, { type: 'bearer' })
      .set('idempotency-key', key)
      .set('content-type', `multipart/form-data; boundary=${boundary}`)
      .send(form);

    expect([retry.status, retry.headers['idempotent-replayed']]).toEqual([201, undefined]);
    expect([again.status, again.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(again.body).toEqual(retry.body);
    expect(await storedRows()).toBe(before + 1);
  });
});
