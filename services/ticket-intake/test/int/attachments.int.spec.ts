import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bmpBytes, gifBytes, jpegBytes, pngBytes, rarBytes, zipBombBytes, zipBytes } from '@tss/blob-storage/testing';
import { sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { linkAttachments } from '../../src/use-cases/store-attachments';

const KiB = 1024;
const LIMITS = { ATTACHMENT_MAX_FILE_BYTES: String(64 * KiB), ATTACHMENT_MAX_MESSAGE_BYTES: String(100 * KiB), ARCHIVE_MAX_ENTRIES: '5' };

type Part = { name: string; bytes: Buffer; field?: string };

/** Every file under a folder, relative to it (the blobs and their metadata). */
const filesUnder = async (root: string): Promise<string[]> => {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
};

describe('attachments over HTTP (P8, issue #9)', () => {
  const clock = new TestClock('2026-03-03T10:00:00.000Z');
  let sut: ServiceUnderTest;
  let blobRoot: string;
  const partnerId = randomUUID();
  const otherPartnerId = randomUUID();
  const partnerToken = (id = partnerId) => sut.token({ kind: 'partner', partner_id: id, scope: 'tickets:read tickets:write' });
  const requesterToken = (requesterId: string) => sut.token({ kind: 'requester', partner_id: partnerId, requester_id: requesterId, scope: 'tickets:read tickets:write' });
  const staffToken = (staffId = 'agent-1') => sut.token({ kind: 'staff', sub: staffId, client_id: staffId, roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });

  const fileTicket = async (token = partnerToken(), overrides: Record<string, unknown> = {}): Promise<string> => {
    const filed = await sut.http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(sampleTicket(overrides));
    expect(filed.status).toBe(201);
    return filed.body.id as string;
  };
  const upload = (token: string, ticketId: string, parts: Part[]) => {
    let req = sut.http().post(`/v1/tickets/${ticketId}/attachments`).auth(token, { type: 'bearer' });
    for (const p of parts) req = req.attach(p.field ?? 'file', p.bytes, { filename: p.name, contentType: 'application/octet-stream' });
    return req;
  };
  const list = (token: string, ticketId: string) => sut.http().get(`/v1/tickets/${ticketId}/attachments`).auth(token, { type: 'bearer' });
  const download = (token: string, ticketId: string, attachmentId: string) =>
    sut
      .http()
      .get(`/v1/tickets/${ticketId}/attachments/${attachmentId}`)
      .auth(token, { type: 'bearer' })
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
  const rowsOf = (ticketId: string) => sut.query<{ id: string }>(`SELECT id FROM ${INTAKE_SCHEMA}.attachments WHERE ticket_id = $1`, [ticketId]);
  const blobsOf = (ticketId: string) => filesUnder(path.join(blobRoot, 'attachments', partnerId, ticketId));

  /** A refusal stores nothing: no row, no blob, no temporary file. */
  const expectNothingStored = async (ticketId: string) => {
    expect(await rowsOf(ticketId)).toEqual([]);
    expect(await blobsOf(ticketId)).toEqual([]);
    expect(await filesUnder(path.join(blobRoot, '.tmp'))).toEqual([]);
  };

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-attachments-'));
    sut = await startServiceUnderTest(ticketIntakeService, { clock, env: { ATTACHMENT_DIR: blobRoot, ...LIMITS } });
  });

  afterAll(async () => {
    await sut?.stop();
    await rm(blobRoot, { recursive: true, force: true });
  });

  it('P8: stores JPG, GIF and PNG with the type judged by content, not name, and records who uploaded them', async () => {
    const ticketId = await fileTicket();
    const uploaded = await upload(partnerToken(), ticketId, [
      { name: 'photo.jpg', bytes: jpegBytes() },
      { name: 'anim.GIF', bytes: gifBytes() },
      { name: 'C:\\Users\\ann\\report.html', bytes: pngBytes() },
    ]);

    expect(uploaded.status).toBe(201);
    expect(uploaded.body.items.map((a: { fileName: string; contentType: string }) => [a.fileName, a.contentType])).toEqual([
      ['photo.jpg', 'image/jpeg'],
      ['anim.GIF', 'image/gif'],
      ['report.html.png', 'image/png'],
    ]);
    expect(uploaded.body.items[2]).toMatchObject({ ticketId, messageId: null, size: pngBytes().length, uploadedBy: { kind: 'partner' }, createdAt: clock.now().toISOString() });
    expect(await rowsOf(ticketId)).toHaveLength(3);
    expect((await blobsOf(ticketId)).filter((f) => !f.endsWith('.meta.json'))).toHaveLength(3);
    const history = await sut.query<{ action: string; detail: { fileName: string } }>(
      `SELECT action, detail FROM ${INTAKE_SCHEMA}.ticket_history WHERE ticket_id = $1 AND action = 'attachment_uploaded' ORDER BY id`,
      [ticketId],
    );
    expect(history.map((h) => h.detail.fileName)).toEqual(['photo.jpg', 'anim.GIF', 'report.html.png']);
  });

  it('lists and serves a file back with its stored type, as a download, never sniffed', async () => {
    const ticketId = await fileTicket();
    const png = pngBytes();
    const [stored] = (await upload(partnerToken(), ticketId, [{ name: 'écran “1”.png', bytes: png }])).body.items;

    const listed = await list(partnerToken(), ticketId);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([stored]);

    const got = await download(partnerToken(), ticketId, stored.id);
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.headers['content-disposition']).toBe(`attachment; filename="_cran _1_.png"; filename*=UTF-8''%C3%A9cran%20%E2%80%9C1%E2%80%9D.png`);
    expect(Buffer.compare(got.body as Buffer, png)).toBe(0);
  });

  it('a file name as browsers send it (WHATWG: `"` as %22, CR as %0D, LF as %0A) is stored decoded, and its download names it once, correctly (RFC 6266, 8187)', async () => {
    const ticketId = await fileTicket();
    const boundary = '----tss-browser-form';
    // What a browser sends for `Ärger 截图 "quoted".png` and `line\r\nbreak.png`: UTF-8, with only those three escaped.
    const part = (name: string) => Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`), pngBytes(), Buffer.from('\r\n')]);
    const body = Buffer.concat([part('Ärger 截图 %22quoted%22.png'), part('line%0D%0Abreak.png'), part('100%25 done.png'), Buffer.from(`--${boundary}--\r\n`)]);
    const uploaded = await sut.http().post(`/v1/tickets/${ticketId}/attachments`).auth(partnerToken(), { type: 'bearer' }).set('content-type', `multipart/form-data; boundary=${boundary}`).send(body);
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.items.map((a: { fileName: string }) => a.fileName)).toEqual(['Ärger 截图 "quoted".png', 'line break.png', '100%25 done.png']);
    const got = await download(partnerToken(), ticketId, uploaded.body.items[0].id);
    expect(got.headers['content-disposition']).toBe(`attachment; filename="_rger __ _quoted_.png"; filename*=UTF-8''%C3%84rger%20%E6%88%AA%E5%9B%BE%20%22quoted%22.png`);
    // Any other % is the name's own; the fallback has none (RFC 6266 appendix D).
    const percent = await download(partnerToken(), ticketId, uploaded.body.items[2].id);
    expect(percent.headers['content-disposition']).toBe(`attachment; filename="100_25 done.png"; filename*=UTF-8''100%2525%20done.png`);
  });

  it('a file name with a NUL or bytes that are not UTF-8 is a 400 naming the part, never stored under a changed name (DESIGN "Edge input")', async () => {
    const ticketId = await fileTicket();
    const boundary = '----tss-bad-name';
    const part = (name: Buffer) =>
      Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="`), name, Buffer.from(`"\r\nContent-Type: image/png\r\n\r\n`), pngBytes(), Buffer.from('\r\n')]);
    const send = (...names: Buffer[]) =>
      sut
        .http()
        .post(`/v1/tickets/${ticketId}/attachments`)
        .auth(partnerToken(), { type: 'bearer' })
        .set('content-type', `multipart/form-data; boundary=${boundary}`)
        .send(Buffer.concat([...names.map(part), Buffer.from(`--${boundary}--\r\n`)]));
    const nul = await send(Buffer.from('a\u0000b.png'));
    expect(nul.status).toBe(400);
    expect(nul.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(nul.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errors: [{ pointer: '/file/0/filename', message: 'must not contain NUL' }] });
    const latin1 = await send(Buffer.from('fine.png'), Buffer.from([0x61, 0xff, 0x62, 0x2e, 0x70, 0x6e, 0x67]));
    expect(latin1.status).toBe(400);
    expect(latin1.body).toMatchObject({ type: 'https://tss.dev/problems/invalid-utf-8', errors: [{ pointer: '/file/1/filename', message: 'must be UTF-8' }] });
    const surrogate = await send(Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x2e, 0x70, 0x6e, 0x67]));
    expect(surrogate.status).toBe(400);
    await expectNothingStored(ticketId);
  });

  it('P8: a bare BMP is a 415 telling to put it in a ZIP or RAR; nothing is stored', async () => {
    const ticketId = await fileTicket();
    const refused = await upload(partnerToken(), ticketId, [{ name: 'screen.png', bytes: bmpBytes() }]);

    expect(refused.status).toBe(415);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.detail).toMatch(/BMP image is accepted only inside a ZIP or RAR archive/);
    await expectNothingStored(ticketId);
  });

  it('one refused file refuses the whole request: the good files before it are not stored either', async () => {
    const ticketId = await fileTicket();
    const refused = await upload(partnerToken(), ticketId, [
      { name: 'ok.png', bytes: pngBytes() },
      { name: 'doc.pdf', bytes: Buffer.from('%PDF-1.7 not an image') },
    ]);
    expect(refused.status).toBe(415);
    expect(refused.body).toMatchObject({ file: '"doc.pdf"', reason: 'unsupported_type' });
    await expectNothingStored(ticketId);
  });

  it('P8: a BMP inside a ZIP or a RAR is accepted, stored as the archive', async () => {
    const ticketId = await fileTicket();
    const uploaded = await upload(partnerToken(), ticketId, [
      { name: 'screens.zip', bytes: zipBytes([{ name: 'screen.bmp', data: bmpBytes(16, 16) }, { name: 'logo.png', data: pngBytes() }]) },
      { name: 'screens.rar', bytes: rarBytes([{ name: 'screen.bmp', data: bmpBytes(16, 16) }]) },
    ]);
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.items.map((a: { contentType: string }) => a.contentType)).toEqual(['application/zip', 'application/vnd.rar']);
  });

  it.each([
    ['an entry of another type', () => zipBytes([{ name: 'screen.bmp', data: Buffer.from('MZ\x90\x00 a program') }]), 'entry_type'],
    ['too many entries', () => zipBytes(Array.from({ length: 6 }, (_, i) => ({ name: `${i}.png`, data: pngBytes() }))), 'too_many_entries'],
    ['a zip bomb', () => zipBombBytes(), 'ratio'],
    ['a RAR holding text', () => rarBytes([{ name: 'notes.png', data: Buffer.from('just text') }]), 'entry_type'],
  ])('P8: an archive with %s is a 422 and nothing is stored', async (_label, archive, reason) => {
    const ticketId = await fileTicket();
    const refused = await upload(partnerToken(), ticketId, [{ name: 'files.zip', bytes: archive() }]);
    expect(refused.status).toBe(422);
    expect(refused.body.reason).toBe(reason);
    await expectNothingStored(ticketId);
  });

  it('a file over ATTACHMENT_MAX_FILE_BYTES is a 413; nothing is stored', async () => {
    const ticketId = await fileTicket();
    const big = Buffer.concat([pngBytes(), Buffer.alloc(65 * KiB)]);
    const refused = await upload(partnerToken(), ticketId, [{ name: 'big.png', bytes: big }]);
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ maxFileBytes: 64 * KiB });
    await expectNothingStored(ticketId);
  });

  it('files adding up to more than ATTACHMENT_MAX_MESSAGE_BYTES are a 413; nothing is stored', async () => {
    const ticketId = await fileTicket();
    const each = Buffer.concat([pngBytes(), Buffer.alloc(40 * KiB)]);
    const refused = await upload(partnerToken(), ticketId, [
      { name: 'a.png', bytes: each },
      { name: 'b.png', bytes: each },
      { name: 'c.png', bytes: each },
    ]);
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ maxMessageBytes: 100 * KiB });
    await expectNothingStored(ticketId);
  });

  it('a body that is not multipart is a 415, a form without files or with files under another name a 400', async () => {
    const ticketId = await fileTicket();
    const json = await sut.http().post(`/v1/tickets/${ticketId}/attachments`).auth(partnerToken(), { type: 'bearer' }).send({ file: 'x' });
    expect(json.status).toBe(415);
    const noFile = await sut.http().post(`/v1/tickets/${ticketId}/attachments`).auth(partnerToken(), { type: 'bearer' }).field('note', 'hello');
    expect(noFile.status).toBe(400);
    const wrongName = await upload(partnerToken(), ticketId, [{ name: 'a.png', bytes: pngBytes(), field: 'upload' }]);
    expect(wrongName.status).toBe(400);
    await expectNothingStored(ticketId);
  });

  it('the other routes of intake still take JSON bodies: multipart is registered in this part only', async () => {
    const filed = await sut.http().post('/v1/tickets').auth(partnerToken(), { type: 'bearer' }).field('product', 'reader');
    expect(filed.status).toBe(415);
  });

  it("tenancy: another partner's or requester's ticket is a 404 on every route; staff see any", async () => {
    const ticketId = await fileTicket(partnerToken(), { requester: { id: 'client-7' } });
    const [stored] = (await upload(requesterToken('client-7'), ticketId, [{ name: 'a.png', bytes: pngBytes() }])).body.items;
    expect(stored.uploadedBy).toEqual({ kind: 'requester', id: 'client-7' });

    for (const token of [partnerToken(otherPartnerId), requesterToken('client-8')]) {
      expect((await upload(token, ticketId, [{ name: 'b.png', bytes: pngBytes() }])).status).toBe(404);
      expect((await list(token, ticketId)).status).toBe(404);
      expect((await download(token, ticketId, stored.id)).status).toBe(404);
    }
    expect((await upload(partnerToken(), randomUUID(), [{ name: 'b.png', bytes: pngBytes() }])).status).toBe(404);
    expect((await download(partnerToken(), ticketId, randomUUID())).status).toBe(404);

    expect((await list(requesterToken('client-7'), ticketId)).body.items).toHaveLength(1);
    expect((await list(partnerToken(), ticketId)).body.items).toHaveLength(1);
    expect((await list(staffToken(), ticketId)).body.items).toHaveLength(1);
    const byStaff = await download(staffToken(), ticketId, stored.id);
    expect(byStaff.status).toBe(200);
    expect(await rowsOf(ticketId)).toHaveLength(1);
  });

  it("a staff upload stays hidden from the partner until a public message carries it; an internal note's never shows", async () => {
    const ticketId = await fileTicket();
    const [forReply, forNote] = (
      await upload(staffToken(), ticketId, [
        { name: 'fix.png', bytes: pngBytes() },
        { name: 'logs.png', bytes: pngBytes() },
      ])
    ).body.items;
    expect((await list(partnerToken(), ticketId)).body.items).toEqual([]);
    expect((await download(partnerToken(), ticketId, forReply.id)).status).toBe(404);

    const reply = randomUUID();
    const note = randomUUID();
    await sut.query(
      `INSERT INTO ${INTAKE_SCHEMA}.messages (id, ticket_id, partner_id, author_kind, author_id, visibility, channel, body, created_at)
       VALUES ($1, $3, $4, 'agent', 'agent-1', 'public', 'api', 'Fixed, see screenshot', $5), ($2, $3, $4, 'agent', 'agent-1', 'internal', 'api', 'Logs', $5)`,
      [reply, note, ticketId, partnerId, clock.now()],
    );
    await sut.host.unitOfWork.run(async (tx) => {
      expect((await linkAttachments(tx, { ticketId, partnerId, messageId: reply, attachmentIds: [forReply.id] })).ok).toBe(true);
      expect((await linkAttachments(tx, { ticketId, partnerId, messageId: note, attachmentIds: [forNote.id] })).ok).toBe(true);
    });

    expect((await list(partnerToken(), ticketId)).body.items.map((a: { id: string; messageId: string }) => [a.id, a.messageId])).toEqual([[forReply.id, reply]]);
    expect((await download(partnerToken(), ticketId, forNote.id)).status).toBe(404);
    expect((await list(staffToken(), ticketId)).body.items).toHaveLength(2);
  });

  it('linkAttachments links each attachment once, to its own ticket only, else a 422 naming the ids and nothing linked', async () => {
    const ticketId = await fileTicket();
    const otherTicketId = await fileTicket();
    const [mine] = (await upload(partnerToken(), ticketId, [{ name: 'a.png', bytes: pngBytes() }])).body.items;
    const [theirs] = (await upload(partnerToken(), otherTicketId, [{ name: 'b.png', bytes: pngBytes() }])).body.items;
    const unknown = randomUUID();

    const refused = await sut.host.unitOfWork.run(async (tx) => {
      const result = await linkAttachments(tx, { ticketId, partnerId, messageId: randomUUID(), attachmentIds: [mine.id, theirs.id, unknown, 'not-a-uuid'] });
      if (!result.ok) throw Object.assign(new Error('refused'), { failure: result.error }); // the message's transaction rolls back
      return result;
    }).catch((error: { failure?: unknown }) => error.failure);
    expect(refused).toMatchObject({ kind: 'unprocessable', extensions: { attachmentIds: [theirs.id, unknown, 'not-a-uuid'] } });
    expect((await list(partnerToken(), ticketId)).body.items[0].messageId).toBeNull();

    const first = randomUUID();
    await sut.host.unitOfWork.run(async (tx) => {
      // What it linked, as the message's announcement names it (P8: the agent reply's mail lists its files).
      expect(await linkAttachments(tx, { ticketId, partnerId, messageId: first, attachmentIds: [mine.id] })).toEqual({ ok: true, value: [{ id: mine.id, fileName: 'a.png', size: pngBytes().length }] });
    });
    await sut.host.unitOfWork.run(async (tx) => {
      expect(await linkAttachments(tx, { ticketId, partnerId, messageId: randomUUID(), attachmentIds: [mine.id] })).toMatchObject({ ok: false, error: { kind: 'unprocessable' } });
    });
    expect((await list(staffToken(), ticketId)).body.items[0].messageId).toBe(first);
  });

  describe('with the messages route', () => {
    const post = (token: string, ticketId: string, body: Record<string, unknown>) =>
      sut.http().post(`/v1/tickets/${ticketId}/messages`).auth(token, { type: 'bearer' }).send(body);

    it('P8: a message naming uploaded attachments links them; the thread shows their ids', async () => {
      const ticketId = await fileTicket();
      const items = (await upload(partnerToken(), ticketId, [{ name: 'a.png', bytes: pngBytes() }, { name: 'b.gif', bytes: gifBytes() }])).body.items;
      const ids = items.map((a: { id: string }) => a.id);

      const posted = await post(partnerToken(), ticketId, { body: 'Screenshots attached.', attachmentIds: ids });
      expect(posted.status).toBe(201);
      expect(posted.body.message.attachmentIds).toEqual(ids);
      const listed = (await list(partnerToken(), ticketId)).body.items;
      expect(listed.map((a: { messageId: string }) => a.messageId)).toEqual([posted.body.message.id, posted.body.message.id]);
    });

    it("P8: a message naming another ticket's or an already linked attachment is a 422, and nothing of it is kept", async () => {
      const ticketId = await fileTicket();
      const otherTicketId = await fileTicket();
      const [mine] = (await upload(partnerToken(), ticketId, [{ name: 'a.png', bytes: pngBytes() }])).body.items;
      const [theirs] = (await upload(partnerToken(), otherTicketId, [{ name: 'b.png', bytes: pngBytes() }])).body.items;

      const refused = await post(partnerToken(), ticketId, { body: 'Wrong file.', attachmentIds: [mine.id, theirs.id] });
      expect(refused.status).toBe(422);
      expect(refused.body.attachmentIds).toEqual([theirs.id]);
      expect((await list(partnerToken(), ticketId)).body.items[0].messageId).toBeNull();
      const messages = await sut.query(`SELECT id FROM ${INTAKE_SCHEMA}.messages WHERE ticket_id = $1 AND body = 'Wrong file.'`, [ticketId]);
      expect(messages).toEqual([]);

      expect((await post(partnerToken(), ticketId, { body: 'Right file.', attachmentIds: [mine.id] })).status).toBe(201);
      expect((await post(partnerToken(), ticketId, { body: 'Same file again.', attachmentIds: [mine.id] })).status).toBe(422);
    });

    it("an agent's internal note keeps its attachments from the partner; a public reply shows them", async () => {
      const ticketId = await fileTicket();
      const [logs, fix] = (await upload(staffToken(), ticketId, [{ name: 'logs.png', bytes: pngBytes() }, { name: 'fix.png', bytes: pngBytes() }])).body.items;

      expect((await post(staffToken(), ticketId, { body: 'Logs for the team.', visibility: 'internal', attachmentIds: [logs.id] })).status).toBe(201);
      expect((await post(staffToken(), ticketId, { body: 'Fixed; see the screenshot.', attachmentIds: [fix.id] })).status).toBe(201);

      expect((await list(partnerToken(), ticketId)).body.items.map((a: { id: string }) => a.id)).toEqual([fix.id]);
      expect((await download(partnerToken(), ticketId, logs.id)).status).toBe(404);
      expect((await list(staffToken(), ticketId)).body.items).toHaveLength(2);
    });
  });
});
