import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { Client } from 'pg';
import { createTestDatabase, schemaRows, type TestDatabase } from '@tss/persistence/testing';
import { refusalOf, sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { ConfigError, LocalKeyWrapper, loggerOptions } from '@tss/service-kit';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';

const masterKey = () => randomBytes(32);
const K1 = masterKey();
// The right id, other bytes: a Secret re-created from memory (outside tester, seventh session).
const WRONG_K1 = masterKey();
const K2 = masterKey();
const setting = (...keys: [string, Buffer][]) => keys.map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');
const SECRET = 'Vault-Secret-7h2Lp!q';

/** A start refused for a setting: its error, for the message; a start that went through fails the test. */
const refusal = async (starting: Promise<ServiceUnderTest>): Promise<Error> => {
  const outcome = await refusalOf(starting);
  expect(outcome).toBeInstanceOf(ConfigError);
  return outcome as Error;
};

// An outside tester started with TSS_MASTER_KEYS="k1:<random 32 bytes>" (the right id, the wrong
// bytes) on data sealed under k1: the start succeeded, a reveal answered 500, and a credential
// stored meanwhile was sealed under the wrong key, lost after a restart with the right one; the
// rotation `k2:<new>,k1:<old>` then failed for ever on that one row. Intake now checks each
// configured master key at start (docs/adr/0014, addendum of 2026-12-05, seventh session).
describe('ticket-intake: every configured master key is checked at start against what the vault holds under its id', () => {
  const clock = new TestClock('2026-12-05T10:00:00.000Z');
  let db: TestDatabase;
  const startIntake = (masterKeys: string, logger = pino({ level: 'silent' }), databaseUrl = db.url) =>
    startServiceUnderTest(ticketIntakeService, { clock, env: { TSS_MASTER_KEYS: masterKeys }, databaseUrl, logger });
  const partnerId = randomUUID();
  const partnerToken = (sut: ServiceUnderTest) => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const staffToken = (sut: ServiceUnderTest) => sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' });
  /** Files a ticket and stores a credential on it, as a partner: the ids. */
  const storeCredential = async (sut: ServiceUnderTest): Promise<{ ticketId: string; credentialId: string }> => {
    const filed = await sut.http().post('/v1/tickets').auth(partnerToken(sut), { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    const stored = await sut.http().post(`/v1/tickets/${filed.body.id}/credentials`).auth(partnerToken(sut), { type: 'bearer' }).send({ label: 'Admin panel', secret: SECRET });
    expect(stored.status).toBe(201);
    return { ticketId: filed.body.id as string, credentialId: stored.body.id as string };
  };
  const reveal = (sut: ServiceUnderTest, c: { ticketId: string; credentialId: string }) =>
    sut.http().get(`/v1/tickets/${c.ticketId}/credentials/${c.credentialId}`).auth(staffToken(sut), { type: 'bearer' });
  let first: { ticketId: string; credentialId: string };

  beforeAll(async () => {
    db = await createTestDatabase('intake_master_keys_at_start');
    const sut = await startIntake(setting(['k1', K1]));
    try {
      first = await storeCredential(sut);
    } finally {
      await sut.stop();
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('k1 with the wrong bytes is refused: one line naming TSS_MASTER_KEYS, k1 and ticket-intake, never a key; nothing is written', async () => {
    const before = await schemaRows(db.url, 'ticket_intake');

    const error = await refusal(startIntake(setting(['k1', WRONG_K1])));

    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toMatch(/^TSS_MASTER_KEYS: master key k1 .*\bticket-intake\b/);
    for (const key of [K1, WRONG_K1]) expect(error.message).not.toContain(key.toString('base64'));
    expect(await schemaRows(db.url, 'ticket_intake')).toEqual(before);
  });

  it('a rotation onto a wrong old key (k2:<new>,k1:<wrong>) is refused too, and re-wraps nothing', async () => {
    const before = await schemaRows(db.url, 'ticket_intake');

    const error = await refusal(startIntake(setting(['k2', K2], ['k1', WRONG_K1])));

    expect(error.message).toMatch(/^TSS_MASTER_KEYS: master key k1 .*\bticket-intake\b/);
    expect(await schemaRows(db.url, 'ticket_intake')).toEqual(before);
  });

  it('a vault that holds no credential under k1 any more still refuses a wrong k1: it keeps a check value of the key it used', async () => {
    const empty = await createTestDatabase('intake_master_keys_check_value');
    try {
      await (await startIntake(setting(['k1', K1]), undefined, empty.url)).stop();

      const error = await refusal(startIntake(setting(['k1', WRONG_K1]), undefined, empty.url));

      expect(error.message).toMatch(/^TSS_MASTER_KEYS: master key k1 .*\bticket-intake\b/);
      await (await startIntake(setting(['k1', K1]), undefined, empty.url)).stop();
    } finally {
      await empty.drop();
    }
  });

  // The tester's credential 397ab1f5…: stored (201) while a start ran with the wrong bytes for k1.
  it('a credential sealed by an earlier release under another key given the id k1 does not block the rotation: left under k1, reported by id', async () => {
    const sut = await startIntake(setting(['k1', K1]));
    let lost: { ticketId: string; credentialId: string };
    try {
      lost = await storeCredential(sut);
      // What that release wrote: the data key wrapped under the wrong bytes, labelled k1.
      const wrapped = await new LocalKeyWrapper([{ id: 'k1', key: WRONG_K1 }]).wrap(randomBytes(32));
      await sut.query(`UPDATE ticket_intake.credential_data_keys SET wrapped_data_key = $2 WHERE credential_id = $1`, [lost.credentialId, wrapped.ciphertext]);
    } finally {
      await sut.stop();
    }

    const { lines, stream } = logCapture();
    const rotated = await startIntake(setting(['k2', K2], ['k1', K1]), pino(loggerOptions('ticket-intake', 'info'), stream));
    try {
      const keys = await rotated.query<{ credential_id: string; master_key_id: string }>(`SELECT credential_id, master_key_id FROM ticket_intake.credential_data_keys`);
      expect(Object.fromEntries(keys.map((k) => [k.credential_id, k.master_key_id]))).toEqual({ [first.credentialId]: 'k2', [lost.credentialId]: 'k1' });
      expect((await reveal(rotated, first)).body).toMatchObject({ secret: SECRET });
      const warnings = lines.filter((l) => l.level === 40 && String(l.msg).includes('does not open'));
      expect(warnings).toEqual([expect.objectContaining({ masterKeyId: 'k1', count: 1, ids: [lost.credentialId] })]);
      expect(JSON.stringify(lines)).not.toContain(K1.toString('base64'));
    } finally {
      await rotated.stop();
    }

    // docs/operations.md, "Master keys": the operator removes what no key opens; then k1 can go.
    await removeUnopenableCredentials(db.url, [lost.credentialId]);
    const withoutK1 = await startIntake(setting(['k2', K2]));
    try {
      expect((await reveal(withoutK1, first)).body).toMatchObject({ secret: SECRET });
      expect((await reveal(withoutK1, lost)).status).toBe(410);
    } finally {
      await withoutK1.stop();
    }
  });
});

/** The removal docs/operations.md gives for credentials no configured master key opens: destroyed as P9 destroys them. */
const removeUnopenableCredentials = async (url: string, ids: string[]): Promise<void> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `WITH removed AS (DELETE FROM ticket_intake.credential_data_keys WHERE credential_id = ANY($1::uuid[]) RETURNING credential_id)
       UPDATE ticket_intake.credentials SET destroyed_at = now(), ciphertext = NULL, nonce = NULL, tag = NULL WHERE id IN (SELECT credential_id FROM removed)`,
      [ids],
    );
  } finally {
    await client.end();
  }
};
