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
// fingerprint was an unsalted SHA-256 of the body as written, a vault's secret included, kept 24 h,
// so a guess of a destroyed password could be tested against it (docs/adr/0028, addendum of
// 2026-12-05, fourth session).
describe('P9: no verifier of a request holds its access particulars', () => {
  const clock = new TestClock('2026-12-05T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();
  const bearer = { type: 'bearer' } as const;
  const partnerToken = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const post = (path: string, token: string, body: object, key?: string) => {
    const request = sut.http().post(path).auth(token, bearer).set('content-type', 'application/json');
    return (key === undefined ? request : request.set('idempotency-key', key)).send(JSON.stringify(body));
  };
  const fingerprintOf = async (key: string) =>
    (await sut.query<{ fingerprint: string | null }>(`SELECT fingerprint FROM "${INTAKE_SCHEMA}".idempotency_keys WHERE key = $1`, [key]))[0]?.fingerprint;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock, env: { TSS_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}` } });
  });

  afterAll(async () => {
    await sut?.stop();
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
