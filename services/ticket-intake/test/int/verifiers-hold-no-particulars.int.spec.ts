import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { canonicalJson } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { ticketIntakeService } from '../../src/index';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Every value in intake's schema as a dump shows it, and the answers kept for replay as their bytes. */
const everythingStored = async (sut: ServiceUnderTest): Promise<string> => {
  const tables = await sut.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, [INTAKE_SCHEMA]);
  const dumps = await Promise.all(tables.map((t) => sut.query<{ dump: string }>(`SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') AS dump FROM "${INTAKE_SCHEMA}"."${t.table_name}" t`)));
  const answers = await sut.query<{ body: string }>(`SELECT coalesce(convert_from(response_body, 'UTF8'), '') AS body FROM "${INTAKE_SCHEMA}".idempotency_keys`);
  return [...dumps.map(([row]) => row.dump), ...answers.map((a) => a.body)].join('\n');
};

// An outside privacy tester (P9: "destruction must hold against copies"): the Idempotency-Key
// verifiers were unsalted SHA-256 of the request as written, kept beside the masked text (a
// ticket's and a message's `request_hash` for good, the runtime's fingerprint for 24 h), so a
// guess of a destroyed password could be tested against them (docs/adr/0026 and 0028, addenda of
// 2026-12-05, fourth session).
describe('P9: no verifier of a request holds its access particulars', () => {
  const clock = new TestClock('2026-12-05T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();
  const requesterId = `cust-${randomUUID().slice(0, 8)}`;
  const bearer = { type: 'bearer' } as const;
  const partnerToken = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const requesterToken = () => sut.token({ kind: 'requester', partner_id: partnerId, requester_id: requesterId, scope: 'tickets:read tickets:write' });
  const post = (path: string, token: string, body: object, key?: string) => {
    const request = sut.http().post(path).auth(token, bearer).set('content-type', 'application/json');
    return (key === undefined ? request : request.set('idempotency-key', key)).send(JSON.stringify(body));
  };
  const fingerprintOf = async (key: string) =>
    (await sut.query<{ fingerprint: string | null }>(`SELECT fingerprint FROM "${INTAKE_SCHEMA}".idempotency_keys WHERE key = $1`, [key]))[0]?.fingerprint;
  const ticketHashOf = async (id: string) => (await sut.query<{ request_hash: string | null }>(`SELECT request_hash FROM "${INTAKE_SCHEMA}".tickets WHERE id = $1`, [id]))[0].request_hash;
  const messageHashOf = async (id: string) => (await sut.query<{ request_hash: string | null }>(`SELECT request_hash FROM "${INTAKE_SCHEMA}".messages WHERE id = $1`, [id]))[0].request_hash;
  const forgetRuntimeKey = (key: string) => sut.query(`DELETE FROM "${INTAKE_SCHEMA}".idempotency_keys WHERE key = $1`, [key]);

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock, env: { TSS_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}` } });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  describe('filing a request', () => {
    const request = (secret: string, overrides: Record<string, unknown> = {}) => sampleTicket({ description: `Login fails. password: ${secret}`, ...overrides });

    it('P9: two requests differing only in the password keep the same verifiers, and none is sha256 of a request as written', async () => {
      const [a, b] = [request('SECRETMARK-11-File#'), request('SECRETMARK-12-File#')];
      const filedA = await post('/v1/tickets', partnerToken(), a, 'file-secret-a');
      const filedB = await post('/v1/tickets', partnerToken(), b, 'file-secret-b');
      expect([filedA.status, filedB.status]).toEqual([201, 201]);

      const stored = await everythingStored(sut);
      for (const written of [a, b]) expect(stored).not.toContain(sha256(canonicalJson(written)));
      expect(stored).not.toContain('SECRETMARK-1');
      expect(await ticketHashOf(filedA.body.id)).toEqual(expect.any(String));
      expect(await ticketHashOf(filedA.body.id)).toBe(await ticketHashOf(filedB.body.id));
      expect(await fingerprintOf('file-secret-a')).toEqual(expect.any(String));
      expect(await fingerprintOf('file-secret-a')).toBe(await fingerprintOf('file-secret-b'));
    });

    it('a retry is still the same request: same key and body replay the ticket, another level or version is refused (422)', async () => {
      const first = await post('/v1/tickets', partnerToken(), request('SECRETMARK-13-File#'), 'file-retry');
      const retry = await post('/v1/tickets', partnerToken(), request('SECRETMARK-13-File#'), 'file-retry');
      // Only the password differs: the same request as far as the key goes (its particulars are not compared).
      const otherSecret = await post('/v1/tickets', partnerToken(), request('SECRETMARK-14-File#'), 'file-retry');
      const changed = await post('/v1/tickets', partnerToken(), request('SECRETMARK-13-File#', { productVersion: '4.2.2' }), 'file-retry');

      expect(first.status).toBe(201);
      expect({ status: retry.status, replayed: retry.headers['idempotent-replayed'], id: retry.body.id }).toEqual({ status: 201, replayed: 'true', id: first.body.id });
      expect({ status: otherSecret.status, replayed: otherSecret.headers['idempotent-replayed'], id: otherSecret.body.id }).toEqual({ status: 201, replayed: 'true', id: first.body.id });
      expect(changed.status).toBe(422);
      expect(changed.body.type).toBe('https://tss.dev/problems/idempotency-key-reused');
    });

    it('past the runtime’s key (a lease taken over, or 24 h gone), the ticket’s own verifier still tells a retry from another request', async () => {
      const first = await post('/v1/tickets', partnerToken(), request('SECRETMARK-15-File#'), 'file-lost-key');
      await forgetRuntimeKey('file-lost-key');
      const retry = await post('/v1/tickets', partnerToken(), request('SECRETMARK-15-File#'), 'file-lost-key');
      await forgetRuntimeKey('file-lost-key');
      const otherSecret = await post('/v1/tickets', partnerToken(), request('SECRETMARK-25-File#'), 'file-lost-key');
      await forgetRuntimeKey('file-lost-key');
      const changed = await post('/v1/tickets', partnerToken(), request('SECRETMARK-15-File#', { subject: 'Another subject' }), 'file-lost-key');

      expect(first.status).toBe(201);
      expect({ status: retry.status, id: retry.body.id }).toEqual({ status: 201, id: first.body.id });
      expect({ status: otherSecret.status, id: otherSecret.body.id }).toEqual({ status: 201, id: first.body.id });
      expect(changed.status).toBe(422);
    });

    it('a request filed without a key keeps no verifier at all: nothing is ever compared with it', async () => {
      const filed = await post('/v1/tickets', partnerToken(), request('SECRETMARK-16-File#'));
      expect(filed.status).toBe(201);
      expect(await ticketHashOf(filed.body.id)).toBeNull();
    });
  });

  describe('a message on the thread', () => {
    let ticketId: string;
    const path = () => `/v1/tickets/${ticketId}/messages`;
    const comment = (secret: string) => ({ body: `late comment password: ${secret}` });

    beforeAll(async () => {
      const filed = await post('/v1/tickets', requesterToken(), sampleTicket());
      expect(filed.status).toBe(201);
      ticketId = filed.body.id;
    });

    it('P9: two messages differing only in the password keep the same verifiers, and none is sha256 of the message as written', async () => {
      const a = await post(path(), requesterToken(), comment('SECRETMARK-37-Late#'), 'message-secret-a');
      const b = await post(path(), requesterToken(), comment('SECRETMARK-38-Late#'), 'message-secret-b');
      expect([a.status, b.status]).toEqual([201, 201]);

      const stored = await everythingStored(sut);
      for (const secret of ['SECRETMARK-37-Late#', 'SECRETMARK-38-Late#']) {
        const body = comment(secret).body;
        // The tester's formula for the message's own verifier, and the runtime's for its key.
        expect(stored).not.toContain(sha256(canonicalJson({ attachmentIds: [], author: requesterId, body, visibility: 'public' })));
        expect(stored).not.toContain(sha256(canonicalJson({ body })));
        expect(stored).not.toContain(secret);
      }
      expect(await messageHashOf(a.body.message.id)).toEqual(expect.any(String));
      expect(await messageHashOf(a.body.message.id)).toBe(await messageHashOf(b.body.message.id));
      expect(await fingerprintOf('message-secret-a')).toBe(await fingerprintOf('message-secret-b'));
    });

    it('a retry is still the same message, past the runtime’s key too; another text is refused (422)', async () => {
      const first = await post(path(), requesterToken(), comment('SECRETMARK-39-Late#'), 'message-retry');
      const retry = await post(path(), requesterToken(), comment('SECRETMARK-39-Late#'), 'message-retry');
      const changed = await post(path(), requesterToken(), { body: 'another comment password: SECRETMARK-39-Late#' }, 'message-retry');
      await forgetRuntimeKey('message-retry');
      const pastRuntime = await post(path(), requesterToken(), comment('SECRETMARK-39-Late#'), 'message-retry');
      await forgetRuntimeKey('message-retry');
      const otherSecretPastRuntime = await post(path(), requesterToken(), comment('SECRETMARK-49-Late#'), 'message-retry');
      await forgetRuntimeKey('message-retry');
      const changedPastRuntime = await post(path(), requesterToken(), { body: 'another comment password: SECRETMARK-39-Late#' }, 'message-retry');

      expect(first.status).toBe(201);
      expect({ status: retry.status, replayed: retry.headers['idempotent-replayed'], id: retry.body.message.id }).toEqual({ status: 201, replayed: 'true', id: first.body.message.id });
      expect(changed.status).toBe(422);
      expect(pastRuntime.body.message.id).toBe(first.body.message.id);
      // Only the password differs: the same message (its particulars are not compared).
      expect(otherSecretPastRuntime.body.message?.id).toBe(first.body.message.id);
      expect(changedPastRuntime.status).toBe(422);
    });

    it('a message posted without a key keeps no verifier', async () => {
      const posted = await post(path(), requesterToken(), comment('SECRETMARK-40-Late#'));
      expect(posted.status).toBe(201);
      expect(await messageHashOf(posted.body.message.id)).toBeNull();
    });
  });

  describe('particulars handed over (POST …/credentials)', () => {
    let ticketId: string;
    const path = () => `/v1/tickets/${ticketId}/credentials`;

    beforeAll(async () => {
      const filed = await post('/v1/tickets', partnerToken(), sampleTicket());
      expect(filed.status).toBe(201);
      ticketId = filed.body.id;
    });

    it('P9: the key’s fingerprint leaves out the sealed secret, login and note: the same for two secrets, never sha256 of the body', async () => {
      const a = { label: 'K', secret: 'SECRETMARK-66-Idem#' };
      const b = { label: 'K', secret: 'SECRETMARK-67-Idem#' };
      const withLogin = { label: 'K', login: 'root-SECRETMARK', secret: 'SECRETMARK-68-Idem#', note: 'SECRETMARK note' };
      const withOtherLogin = { label: 'K', login: 'admin-SECRETMARK', secret: 'SECRETMARK-69-Idem#', note: 'another SECRETMARK note' };
      for (const [body, key] of [[a, 'cred-a'], [b, 'cred-b'], [withLogin, 'cred-c'], [withOtherLogin, 'cred-d']] as const) {
        expect((await post(path(), partnerToken(), body, key)).status).toBe(201);
      }

      const stored = await everythingStored(sut);
      expect(stored).not.toContain(sha256('{"label":"K","secret":"SECRETMARK-66-Idem#"}'));
      for (const body of [a, b, withLogin, withOtherLogin]) expect(stored).not.toContain(sha256(canonicalJson(body)));
      expect(stored).not.toContain('SECRETMARK');
      expect(await fingerprintOf('cred-a')).toEqual(expect.any(String));
      expect(await fingerprintOf('cred-a')).toBe(await fingerprintOf('cred-b'));
      expect(await fingerprintOf('cred-c')).toBe(await fingerprintOf('cred-d'));
    });

    it('a retry with the key still runs nothing (the withheld 409 naming the credentials); another label is refused (422)', async () => {
      const first = await post(path(), partnerToken(), { label: 'Panel', secret: 'SECRETMARK-70-Idem#' }, 'cred-retry');
      const retry = await post(path(), partnerToken(), { label: 'Panel', secret: 'SECRETMARK-70-Idem#' }, 'cred-retry');
      const changed = await post(path(), partnerToken(), { label: 'Another panel', secret: 'SECRETMARK-70-Idem#' }, 'cred-retry');

      expect(first.status).toBe(201);
      expect(retry.status).toBe(409);
      expect(retry.body.type).toBe('https://tss.dev/problems/idempotency-answer-withheld');
      expect(retry.headers.location).toBe(first.headers.location);
      expect(changed.status).toBe(422);
      const listed = await sut.http().get(path()).auth(partnerToken(), bearer);
      expect((listed.body.items as { label: string }[]).filter((c) => c.label === 'Panel')).toHaveLength(1);
    });
  });
});
