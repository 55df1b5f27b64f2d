import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { blobKey, FilesystemBlobStorage } from '@tss/blob-storage';
import { pngBytes } from '@tss/blob-storage/testing';
import { sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { registerMailedAttachments } from '../../src/use-cases/store-attachments';

const KiB = 1024;
const ARCHIVE_LIMITS = { maxEntries: 100, maxUncompressedBytes: 100 * 1_048_576, maxRatio: 200 };
const LIMITS = { maxFiles: 20, maxFileBytes: 4 * KiB, maxMessageBytes: 6 * KiB };

/** A PNG (by its content) of exactly `size` bytes. */
const pngOf = (size: number): Buffer => Buffer.concat([pngBytes(), Buffer.alloc(size - pngBytes().length)]);

// An outside tester: a 12 MB PNG refused (400) on the support site was kept when mailed, and no
// "attachments not accepted" mail told him: the mail's files skipped the size limits (P8).
describe('a mailed file is held to the upload size limits (P8)', () => {
  const clock = new TestClock('2026-03-04T09:00:00.000Z');
  let sut: ServiceUnderTest;
  let blobRoot: string;
  let blobs: FilesystemBlobStorage;
  const partnerId = randomUUID();
  const partnerToken = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-mailed-limits-'));
    blobs = new FilesystemBlobStorage(blobRoot);
    sut = await startServiceUnderTest(ticketIntakeService, { clock, env: { ATTACHMENT_DIR: blobRoot } });
  });

  afterAll(async () => {
    await sut?.stop();
    await rm(blobRoot, { recursive: true, force: true });
  });

  /** Files as notification stores a mail's: each blob under its own key, named as the mail named it. */
  const mailedFiles = async (ticketId: string, files: readonly { name: string; bytes: Buffer }[]) =>
    Promise.all(
      files.map(async (f) => {
        const storageKey = blobKey('attachments', partnerId, ticketId, randomUUID());
        await blobs.put(storageKey, f.bytes, { contentType: 'image/png' });
        return { storageKey, filename: f.name, contentType: 'image/png' };
      }),
    );

  it('P8: a file over the per-file limit, and one taking the kept files over the per-message total, are refused with the limit; the others in order kept', async () => {
    const filed = await sut.http().post('/v1/tickets').auth(partnerToken(), { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    const ticket = { id: filed.body.id as string, partnerId };
    const attachments = await mailedFiles(ticket.id, [
      { name: 'capture-full.png', bytes: pngOf(4 * KiB + 1) },
      { name: 'first.png', bytes: pngOf(3 * KiB) },
      { name: 'second.png', bytes: pngOf(4 * KiB) },
      { name: 'third.png', bytes: pngOf(3 * KiB) },
    ]);

    const registered = await sut.host.dataSource.transaction((tx) =>
      registerMailedAttachments(tx, { blobs, archiveLimits: ARCHIVE_LIMITS, clock, ...LIMITS }, { ticket, attachments, uploadedBy: { kind: 'requester', id: 'mail:ann@kunde.example' } }),
    );

    expect(registered.refused).toEqual([
      { fileName: 'capture-full.png', reason: 'file_too_large', maxFileBytes: 4 * KiB },
      { fileName: 'second.png', reason: 'message_too_large', maxMessageBytes: 6 * KiB },
    ]);
    expect(registered.accepted).toHaveLength(2);
    // The later file that still fits the total is kept.
    const rows = await sut.query<{ file_name: string; size: number }>(`SELECT file_name, size::int AS size FROM ticket_intake.attachments WHERE ticket_id = $1 ORDER BY file_name`, [ticket.id]);
    expect(rows).toEqual([
      { file_name: 'first.png', size: 3 * KiB },
      { file_name: 'third.png', size: 3 * KiB },
    ]);
    // A refused file is not kept.
    expect(await blobs.get(attachments[0].storageKey)).toBeNull();
    expect(await blobs.get(attachments[2].storageKey)).toBeNull();
  });
});
