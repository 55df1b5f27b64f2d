import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pngBytes } from '@tss/blob-storage/testing';
import { bootstrapAdmin, EdgeConfigSchema, forwardToServices, gatewayService, gatewayTokenAuthority, installEdgeProtection, type ServiceUrls } from '@tss/gateway';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import type { ServiceInstance } from '@tss/runtime';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { loadConfig, PROBLEM_CONTENT_TYPE, systemClock } from '@tss/service-kit';
import { ticketIntakeService } from '@tss/ticket-intake';
import { ServiceInstances } from './support/service-instances';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const MiB = 1_048_576;
// Small enough to test quickly, above the 1 MiB body limit and below intake's own upload limits
// (10 MiB a file, 25 MiB a message): a 413 over it can only be the upload limit's.
const UPLOAD_LIMIT_BYTES = 4 * MiB;
const EDGE = { TSS_UPLOAD_BODY_LIMIT_BYTES: String(UPLOAD_LIMIT_BYTES) };
const ADMIN = { clientId: 'sc_upload_limit_admin', clientSecret: 'upload-limit-admin-secret-0123456789' };

const screenshot = (bytes: number): Buffer => Buffer.concat([pngBytes(), Buffer.alloc(bytes, 0x5a)]);
const jsonOf = (bytes: number): string => JSON.stringify({ ...sampleTicket(), description: 'x'.repeat(bytes) });

/** A multipart/form-data body sent chunked (no Content-Length), so only counting its bytes can stop it. */
const postChunked = (baseUrl: string, urlPath: string, token: string, file: Buffer): Promise<{ status: number; contentType?: string; connection?: string }> => {
  const boundary = 'tss-chunked-upload-boundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      `${baseUrl}${urlPath}`,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' } },
      (res) => {
        answered = true;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], connection: res.headers.connection }));
      },
    );
    // The gateway may close the connection once it has answered: the rest of the body is moot then.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    req.write(head);
    for (let at = 0; at < file.length; at += 256 * 1024) req.write(file.subarray(at, at + 256 * 1024));
    req.end(tail);
  });
};

/**
 * Services mode as deployed: the gateway instance with its edge protection and forwarding (the
 * upload routes at TSS_UPLOAD_BODY_LIMIT_BYTES, everything else at TSS_BODY_LIMIT_BYTES, 1 MiB),
 * in front of a real ticket-intake instance storing attachments in a folder.
 */
describe('services mode: uploads have their own body limit at the gateway (P8, issue #9)', () => {
  let db: TestDatabase;
  let services: ServiceInstances;
  let intake: ServiceInstance;
  let gatewayUrl: string;
  let gateway: PlatformClient;
  let blobRoot: string;
  let partnerToken: string;
  let ticketId: string;

  const storedSizes = async (): Promise<number[]> =>
    (await intake.host.dataSource.query<{ size: string }[]>('SELECT size FROM ticket_intake.attachments WHERE ticket_id = $1 ORDER BY size', [ticketId])).map((r) => Number(r.size));

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-upload-limit-'));
    db = await createTestDatabase('upload_limit_services');
    services = new ServiceInstances(db.url);
    // Forwarding is registered when the gateway starts; the URLs are filled in once intake listens.
    const urls = {} as Record<keyof ServiceUrls, string>;
    const gatewayInstance = await services.start(gatewayService, {
      transport: new InProcessTransport(),
      keySource: (host) => gatewayTokenAuthority(host.dataSource, systemClock),
      beforeRoutes: (app) => installEdgeProtection(app, loadConfig(EdgeConfigSchema, EDGE)),
      extendApp: async (app) => {
        await app.register(
          forwardToServices(urls, { timeoutMs: 10_000, bodyLimitBytes: MiB, uploads: { bodyLimitBytes: UPLOAD_LIMIT_BYTES, timeoutMs: 30_000 } }),
        );
      },
    });
    gatewayUrl = await services.listen(gatewayInstance);
    gateway = new PlatformClient(gatewayUrl);
    intake = await services.start(ticketIntakeService, { transport: new InProcessTransport(), env: { ATTACHMENT_DIR: blobRoot } });
    const intakeUrl = await services.listen(intake);
    Object.assign(urls, { 'ticket-intake': intakeUrl, 'sla-timer': intakeUrl, notification: intakeUrl, escalation: intakeUrl, rating: intakeUrl });

    const host = gatewayInstance.host;
    await bootstrapAdmin({ dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock: systemClock, logger: host.logger }, ADMIN);
    partnerToken = (await gateway.partner(await gateway.token(ADMIN.clientId, ADMIN.clientSecret), 'Upload Limit Partner')).token;
    const filed = await gateway.http().post('/v1/tickets').auth(partnerToken, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    ticketId = filed.body.id;
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  it('P8: a 3 MiB multipart upload passes the gateway and is stored by intake (201)', async () => {
    const file = screenshot(3 * MiB);
    const response = await gateway.http().post(`/v1/tickets/${ticketId}/attachments`).auth(partnerToken, { type: 'bearer' }).attach('file', file, { filename: 'screen.png', contentType: 'image/png' });

    expect(response.status).toBe(201);
    expect(response.body.items).toEqual([expect.objectContaining({ ticketId, fileName: 'screen.png', contentType: 'image/png', size: file.length })]);
    expect(await storedSizes()).toEqual([file.length]);
  });

  it('a 3 MiB JSON body to another route is still a 413 problem at the gateway', async () => {
    const response = await gateway.http().post('/v1/tickets').auth(partnerToken, { type: 'bearer' }).set('content-type', 'application/json').send(jsonOf(3 * MiB));

    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });

  it('on an upload route only multipart/form-data gets the upload limit: 3 MiB of JSON or raw bytes there is a 413', async () => {
    const before = await storedSizes();
    const json = await gateway.http().post(`/v1/tickets/${ticketId}/messages`).auth(partnerToken, { type: 'bearer' }).set('content-type', 'application/json').send(JSON.stringify({ body: 'x'.repeat(3 * MiB) }));
    const raw = await gateway.http().post(`/v1/tickets/${ticketId}/attachments`).auth(partnerToken, { type: 'bearer' }).set('content-type', 'application/octet-stream').send(Buffer.alloc(3 * MiB));

    expect([json.status, raw.status]).toEqual([413, 413]);
    expect(await storedSizes()).toEqual(before);
  });

  it('a multipart upload over TSS_UPLOAD_BODY_LIMIT_BYTES is a 413 problem and nothing is stored', async () => {
    const before = await storedSizes();
    const response = await gateway.http().post(`/v1/tickets/${ticketId}/attachments`).auth(partnerToken, { type: 'bearer' }).attach('file', screenshot(UPLOAD_LIMIT_BYTES), { filename: 'big.png', contentType: 'image/png' });

    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await storedSizes()).toEqual(before);
  });

  it('a chunked multipart upload is cut when it grows past the upload limit: 413, nothing stored', async () => {
    const before = await storedSizes();
    const response = await postChunked(gatewayUrl, `/v1/tickets/${ticketId}/attachments`, partnerToken, screenshot(UPLOAD_LIMIT_BYTES + MiB));

    expect(response.status).toBe(413);
    expect(response.contentType).toContain(PROBLEM_CONTENT_TYPE);
    // The unread rest of the body stays on that connection: a keep-alive client must not reuse it
    // (the next test would hang on it otherwise).
    expect(response.connection).toBe('close');
    expect(await storedSizes()).toEqual(before);
  });

  it('a chunked multipart upload under the limit streams through and is stored', async () => {
    const file = screenshot(2 * MiB);
    const response = await postChunked(gatewayUrl, `/v1/tickets/${ticketId}/attachments`, partnerToken, file);

    expect(response.status).toBe(201);
    expect(await storedSizes()).toContain(file.length);
  });
});

/** The one app of the single-process mode answers the same requests the same way (its edge, intake's routes). */
describe('single process: the same upload limit as services mode', () => {
  let platform: TestPlatform;
  let blobRoot: string;
  let token: string;
  let ticketId: string;

  const storedCount = async (): Promise<number> => (await platform.query('ticket-intake', 'SELECT id FROM ticket_intake.attachments WHERE ticket_id = $1', [ticketId])).length;

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-upload-limit-single-'));
    platform = await startTestPlatform('upload_limit_single', { env: { ATTACHMENT_DIR: blobRoot }, edge: loadConfig(EdgeConfigSchema, EDGE) });
    token = (await platform.client.partner(await platform.adminToken(), 'Upload Limit Single')).token;
    const filed = await platform.client.http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    ticketId = filed.body.id;
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  it('P8: a 3 MiB multipart upload is stored (201); one over TSS_UPLOAD_BODY_LIMIT_BYTES is a 413 and is not', async () => {
    const upload = (file: Buffer) => platform.client.http().post(`/v1/tickets/${ticketId}/attachments`).auth(token, { type: 'bearer' }).attach('file', file, { filename: 'screen.png', contentType: 'image/png' });

    expect((await upload(screenshot(3 * MiB))).status).toBe(201);
    const over = await upload(screenshot(UPLOAD_LIMIT_BYTES));
    expect(over.status).toBe(413);
    expect(over.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await storedCount()).toBe(1);
  });

  it('a 3 MiB JSON body is a 413, on an upload route as on any other', async () => {
    const ticket = await platform.client.http().post('/v1/tickets').auth(token, { type: 'bearer' }).set('content-type', 'application/json').send(jsonOf(3 * MiB));
    const message = await platform.client.http().post(`/v1/tickets/${ticketId}/messages`).auth(token, { type: 'bearer' }).set('content-type', 'application/json').send(JSON.stringify({ body: 'x'.repeat(3 * MiB) }));

    expect([ticket.status, message.status]).toEqual([413, 413]);
  });
});
