import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { ConfigError, LocalKeyWrapper, loggerOptions } from '@tss/service-kit';
import { logCapture, TestClock, waitFor } from '@tss/service-kit/testing';
import { sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TimerStore } from '@tss/timers';
import { ticketIntakeService } from '../../src/index';
import { openCredentialKeyWrapper } from '../../src/store/credential-key-wrapper';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { credentialVault, maskForVault, vaultPending, type CredentialDeps } from '../../src/use-cases/credentials';

const masterKey = () => randomBytes(32);
const K1 = masterKey();
const SECRET = 'Vault-Secret-9f3Kq!x';
const LOGIN = 'support-tmp-login';
const NOTE = 'admin panel at https://admin.example.com';

/** Every text value in intake's schema, as one string: what a dump of the database would show. */
const everythingStored = async (sut: ServiceUnderTest): Promise<string> => {
  const tables = await sut.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, [INTAKE_SCHEMA]);
  const dumps = await Promise.all(tables.map((t) => sut.query<{ dump: string }>(`SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') AS dump FROM "${INTAKE_SCHEMA}"."${t.table_name}" t`)));
  return dumps.map(([row]) => row.dump).join('\n');
};

describe('credentials vault over HTTP (P9, issue #9)', () => {
  const clock = new TestClock('2026-03-02T08:00:00.000Z');
  const { lines, stream } = logCapture();
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();
  const otherPartnerId = randomUUID();
  const partnerToken = (id = partnerId) => sut.token({ kind: 'partner', partner_id: id, scope: 'tickets:read tickets:write' });
  const requesterToken = (requesterId: string) => sut.token({ kind: 'requester', partner_id: partnerId, requester_id: requesterId, scope: 'tickets:read tickets:write' });
  const staffToken = (staffId: string, scope = 'tickets:read tickets:write queue:read', roles = ['agent']) => sut.token({ kind: 'staff', sub: staffId, client_id: staffId, roles, scope });
  const fileTicket = async (token: string) => {
    const filed = await sut.http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    return filed.body.id as string;
  };
  const store = (token: string, ticketId: string, body: Record<string, unknown> = { label: 'Admin panel', login: LOGIN, secret: SECRET, note: NOTE }) =>
    sut.http().post(`/v1/tickets/${ticketId}/credentials`).auth(token, { type: 'bearer' }).send(body);
  const reveal = (token: string, ticketId: string, credentialId: string) => sut.http().get(`/v1/tickets/${ticketId}/credentials/${credentialId}`).auth(token, { type: 'bearer' });
  const list = (token: string, ticketId: string) => sut.http().get(`/v1/tickets/${ticketId}/credentials`).auth(token, { type: 'bearer' });

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      env: { TSS_MASTER_KEYS: `k1:${K1.toString('base64')}` },
      logger: pino(loggerOptions('ticket-intake', 'debug'), stream),
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('P9: POST stores the particulars encrypted and answers 201 with id, label and date, never the secret', async () => {
    const ticketId = await fileTicket(partnerToken());
    const stored = await store(partnerToken(), ticketId);

    expect(stored.status).toBe(201);
    expect(stored.body).toEqual({ id: expect.any(String), label: 'Admin panel', createdAt: clock.now().toISOString() });
    expect(stored.headers['cache-control']).toBe('no-store');
    expect(JSON.stringify(stored.body)).not.toContain(SECRET);
    const [row] = await sut.query<{ ciphertext: Buffer; master_key_id: string }>(
      `SELECT c.ciphertext, k.master_key_id FROM ${INTAKE_SCHEMA}.credentials c JOIN ${INTAKE_SCHEMA}.credential_data_keys k ON k.credential_id = c.id WHERE c.id = $1`,
      [stored.body.id],
    );
    expect(row.master_key_id).toBe('k1');
    expect(row.ciphertext.toString('latin1')).not.toContain(SECRET);
    // Nowhere in the schema in the clear: not in the row, the history, the outbox or a key table.
    const dump = await everythingStored(sut);
    for (const plain of [SECRET, LOGIN, NOTE]) expect(dump).not.toContain(plain);
    const history = await sut.query<{ action: string; actor_kind: string; detail: Record<string, unknown> }>(
      `SELECT action, actor_kind, detail FROM ${INTAKE_SCHEMA}.ticket_history WHERE ticket_id = $1 AND action = 'credential_stored'`,
      [ticketId],
    );
    expect(history).toEqual([{ action: 'credential_stored', actor_kind: 'partner', detail: { credentialId: stored.body.id, label: 'Admin panel', kind: 'submitted' } }]);
  });

  it('P9: lists show labels and dates only, to the ticket’s partner, its requester and staff; others get 404', async () => {
    const requesterId = `client-${randomUUID().slice(0, 8)}`;
    const ticketId = await fileTicket(requesterToken(requesterId));
    const stored = await store(requesterToken(requesterId), ticketId);
    expect(stored.status).toBe(201);

    for (const token of [partnerToken(), requesterToken(requesterId), staffToken(randomUUID())]) {
      const listed = await list(token, ticketId);
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({
        items: [{ id: stored.body.id, label: 'Admin panel', kind: 'submitted', status: 'stored', createdBy: 'requester', createdAt: clock.now().toISOString(), visibility: 'public' }],
      });
      expect(JSON.stringify(listed.body)).not.toContain(SECRET);
    }
    // Tenancy: another partner's or another requester's ticket is a 404, as a missing one.
    for (const token of [partnerToken(otherPartnerId), requesterToken('someone-else')]) {
      expect((await list(token, ticketId)).status).toBe(404);
      expect((await store(token, ticketId)).status).toBe(404);
    }
    expect((await list(partnerToken(), randomUUID())).status).toBe(404);
  });

  it('P9: only staff who work tickets reveal a secret (403 otherwise); each reveal is audited, never cached', async () => {
    const ticketId = await fileTicket(partnerToken());
    const { body: created } = await store(partnerToken(), ticketId);
    const agentId = randomUUID();

    for (const token of [partnerToken(), requesterToken('anyone'), staffToken(randomUUID(), 'tickets:read reports:read', ['quality'])]) {
      const refused = await reveal(token, ticketId, created.id);
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(JSON.stringify(refused.body)).not.toContain(SECRET);
    }
    expect(await sut.query(`SELECT 1 FROM ${INTAKE_SCHEMA}.ticket_history WHERE ticket_id = $1 AND action = 'credential_revealed'`, [ticketId])).toEqual([]);

    const first = await reveal(staffToken(agentId), ticketId, created.id);
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toEqual({ id: created.id, label: 'Admin panel', login: LOGIN, secret: SECRET, note: NOTE, createdAt: created.createdAt });
    clock.advanceMs(60_000);
    expect((await reveal(staffToken(agentId), ticketId, created.id)).status).toBe(200);

    const audits = await sut.query<{ actor_kind: string; actor_id: string; detail: Record<string, unknown>; at: Date }>(
      `SELECT actor_kind, actor_id, detail, at FROM ${INTAKE_SCHEMA}.ticket_history WHERE ticket_id = $1 AND action = 'credential_revealed' ORDER BY id`,
      [ticketId],
    );
    expect(audits).toHaveLength(2);
    for (const audit of audits) expect(audit).toMatchObject({ actor_kind: 'staff', actor_id: agentId, detail: { credentialId: created.id, label: 'Admin panel' } });
    expect(audits[1].at.getTime() - audits[0].at.getTime()).toBe(60_000);
    expect(JSON.stringify(audits)).not.toContain(SECRET);

    // Another ticket's credential id, or an unknown one, is a 404.
    const otherTicket = await fileTicket(partnerToken());
    expect((await reveal(staffToken(agentId), otherTicket, created.id)).status).toBe(404);
    expect((await reveal(staffToken(agentId), ticketId, randomUUID())).status).toBe(404);
  });

  it('P9: no secret reaches the logs, from a stored, listed, revealed or refused request', async () => {
    const marker = `Log-Canary-${randomUUID()}`;
    const ticketId = await fileTicket(partnerToken());
    const stored = await store(partnerToken(), ticketId, { label: 'Canary', login: `${marker}-login`, secret: marker, note: `${marker}-note` });
    expect(stored.status).toBe(201);
    await list(partnerToken(), ticketId);
    expect((await reveal(staffToken(randomUUID()), ticketId, stored.body.id)).status).toBe(200);
    // Refused at the schema (an extra field) and at tenancy: the body must not be echoed into a log line either.
    const invalid = await store(partnerToken(), ticketId, { label: 'Canary', secret: marker, password: marker });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).not.toContain(marker);
    expect((await store(partnerToken(otherPartnerId), ticketId, { label: 'Canary', secret: marker })).status).toBe(404);

    const requestLines = lines.filter((l) => l.msg === 'request completed' && String(l.route).includes('/credentials'));
    expect(requestLines.length).toBeGreaterThanOrEqual(5);
    expect(lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain(marker);
  });

  it('P9: particulars handed over after resolution are due 2 days after that resolution, not later', async () => {
    const ticketId = await fileTicket(partnerToken());
    const resolvedAt = new Date(clock.now().getTime() - 30 * 3_600_000);
    await sut.query(`UPDATE ${INTAKE_SCHEMA}.tickets SET status = 'resolved', resolved_at = $2 WHERE id = $1`, [ticketId, resolvedAt]);
    const stored = await store(partnerToken(), ticketId);
    expect(stored.status).toBe(201);

    const dueAt = new Date(resolvedAt.getTime() + 2 * 24 * 3_600_000);
    const [timer] = await sut.query<{ due_at: Date; kind: string }>(`SELECT due_at, kind FROM ${INTAKE_SCHEMA}.timers WHERE id = $1`, [`credentials.destroy:${ticketId}`]);
    expect(timer).toEqual({ due_at: dueAt, kind: 'credentials.destroy' });
    expect((await list(partnerToken(), ticketId)).body.items[0].destroyAfter).toBe(dueAt.toISOString());
  });

  it('P9: past its destruction deadline a secret is not revealed, even before the destruction timer fires (410)', async () => {
    const ticketId = await fileTicket(partnerToken());
    const stored = await store(partnerToken(), ticketId);
    expect(stored.status).toBe(201);
    const deadline = new Date(clock.now().getTime() - 1_000);
    // As a restored database holds it, or a worker not started yet: due, no timer fired.
    await sut.query(`UPDATE ${INTAKE_SCHEMA}.credentials SET destroy_after = $2 WHERE id = $1`, [stored.body.id, deadline]);
    const refused = await reveal(staffToken('agent-deadline'), ticketId, stored.body.id as string);
    expect(refused.status).toBe(410);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.destroyedAt).toBe(deadline.toISOString());
    expect(JSON.stringify(refused.body)).not.toContain(SECRET);
    const audited = await sut.query(`SELECT 1 FROM ${INTAKE_SCHEMA}.ticket_history WHERE ticket_id = $1 AND action = 'credential_revealed'`, [ticketId]);
    expect(audited).toHaveLength(0);
  });

  it('P9: a closed ticket takes no more credentials (409)', async () => {
    const ticketId = await fileTicket(partnerToken());
    await sut.query(`UPDATE ${INTAKE_SCHEMA}.tickets SET status = 'closed' WHERE id = $1`, [ticketId]);
    const refused = await store(partnerToken(), ticketId);
    expect(refused.status).toBe(409);
    expect(await sut.query(`SELECT 1 FROM ${INTAKE_SCHEMA}.credentials WHERE ticket_id = $1`, [ticketId])).toEqual([]);
  });

  it('P9: a label holding access particulars is refused (422 naming /label) for partner, requester and staff, and nothing is stored', async () => {
    const LABEL_SECRET = 'LabelSecret1';
    const requesterId = `client-${randomUUID().slice(0, 8)}`;
    const ticketId = await fileTicket(requesterToken(requesterId));
    for (const token of [partnerToken(), requesterToken(requesterId), staffToken(randomUUID())]) {
      const refused = await store(token, ticketId, { label: `panel password: ${LABEL_SECRET}`, secret: 'x1' });
      expect(refused.status).toBe(422);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ status: 422, errors: [{ in: 'body', pointer: '/label' }] });
      expect(refused.body.detail).toContain('`secret`');
      expect(JSON.stringify(refused.body)).not.toContain(LABEL_SECRET);
    }
    expect(await sut.query(`SELECT 1 FROM ${INTAKE_SCHEMA}.credentials WHERE ticket_id = $1`, [ticketId])).toEqual([]);
    expect(await sut.query(`SELECT 1 FROM ${INTAKE_SCHEMA}.ticket_history WHERE ticket_id = $1 AND action LIKE 'credential%'`, [ticketId])).toEqual([]);
    expect(await everythingStored(sut)).not.toContain(LABEL_SECRET);
    // A label that names what the particulars open, the word "password" included, is taken.
    const named = await store(partnerToken(), ticketId, { label: 'Admin panel password', secret: 'x1' });
    expect(named.status).toBe(201);
    expect(named.body.label).toBe('Admin panel password');
  });

  it('master-key rotation: with a new key first, data keys are wrapped again under it and the old key can go', async () => {
    const ticketId = await fileTicket(partnerToken());
    const { body: created } = await store(partnerToken(), ticketId);
    const K2 = masterKey();

    const rotated = await openCredentialKeyWrapper({ dataSource: sut.host.dataSource, clock, logger: pino({ level: 'silent' }) }, [
      { id: 'k2', key: K2 },
      { id: 'k1', key: K1 },
    ]);
    expect(rotated.currentMasterKeyId).toBe('k2');
    const [key] = await sut.query<{ master_key_id: string; wrapped_data_key: Buffer }>(
      `SELECT master_key_id, wrapped_data_key FROM ${INTAKE_SCHEMA}.credential_data_keys WHERE credential_id = $1`,
      [created.id],
    );
    expect(key.master_key_id).toBe('k2');
    // Opens under k2 alone; under k1 alone it no longer does.
    expect((await new LocalKeyWrapper([{ id: 'k2', key: K2 }]).unwrap({ masterKeyId: 'k2', ciphertext: key.wrapped_data_key })).length).toBe(32);
    await expect(new LocalKeyWrapper([{ id: 'k1', key: K1 }]).unwrap({ masterKeyId: 'k2', ciphertext: key.wrapped_data_key })).rejects.toThrow(/not configured/);
  });

  it('a data key under a master key that is no longer configured stops the vault from opening', async () => {
    const ticketId = await fileTicket(partnerToken());
    expect((await store(partnerToken(), ticketId)).status).toBe(201);
    const opening = openCredentialKeyWrapper({ dataSource: sut.host.dataSource, clock, logger: pino({ level: 'silent' }) }, [{ id: 'k9', key: masterKey() }]);
    await expect(opening).rejects.toThrow(/master key k\d is not configured/);
  });

  it('P9: particulars in a new ticket’s description are masked before it is written and vaulted once it exists', async () => {
    const description = `The admin panel rejects us. login/pass: editor/${SECRET}`;
    const masked = maskForVault(description);
    expect(masked.text).toBe(`The admin panel rejects us. [credentials stored securely: TSS vault #${masked.pending[0].id.slice(0, 8)}]`);
    const filed = await sut.http().post('/v1/tickets').auth(partnerToken(), { type: 'bearer' }).send(sampleTicket({ description: masked.text }));
    expect(filed.status).toBe(201);

    const deps: CredentialDeps = {
      dataSource: sut.host.dataSource,
      unitOfWork: sut.host.unitOfWork,
      outbox: sut.host.outbox,
      clock,
      logger: sut.host.logger,
      timers: new TimerStore({ schema: INTAKE_SCHEMA, clock }),
      config: {},
      env: {},
    };
    const ids = await sut.host.unitOfWork.run((tx) =>
      vaultPending(tx, deps, { ticketId: filed.body.id, partnerId, pending: masked.pending, actor: { kind: 'partner', id: partnerId }, now: clock.now() }),
    );
    expect(ids).toEqual([masked.pending[0].id]);
    const revealed = await reveal(staffToken(randomUUID()), filed.body.id, ids[0]);
    expect(revealed.body).toMatchObject({ login: 'editor', secret: SECRET, label: 'Access particulars from a message' });
    expect(await everythingStored(sut)).not.toContain(SECRET);
  });

  it('P9: a staff PATCH’s note is masked in the history and the status event, its particulars vaulted; a refused PATCH vaults nothing', async () => {
    const ticketId = await fileTicket(partnerToken());
    const agent = staffToken('agent-notes');
    const patch = async (body: Record<string, unknown>) => {
      const current = await sut.http().get(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' });
      return sut.http().patch(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' }).set('if-match', current.headers.etag).send(body);
    };
    const refused = await patch({ status: 'new', note: `Their password: ${SECRET}` });
    expect(refused.status).toBe(409);
    expect((await list(agent, ticketId)).body.items).toEqual([]);

    const changed = await patch({ status: 'open', note: `Their password: ${SECRET}` });
    expect(changed.status).toBe(200);
    const history = await sut.http().get(`/v1/tickets/${ticketId}/history`).auth(agent, { type: 'bearer' });
    const entry = (history.body.items as { action: string; detail: Record<string, string> }[]).find((h) => h.action === 'status_changed');
    expect(entry?.detail.note).toMatch(/^Their \[credentials stored securely: TSS vault #[0-9a-f]{8}\]$/);
    expect(entry?.detail.reason).toBe(entry?.detail.note);
    const [event] = await sut.query<{ reason: string }>(`SELECT event->'data'->>'reason' AS reason FROM ${INTAKE_SCHEMA}.outbox WHERE event_type = 'ticket.status_changed' AND event->>'subject' = $1`, [ticketId]);
    expect(event.reason).toBe(entry?.detail.note);
    const vaulted = (await list(agent, ticketId)).body.items as { id: string }[];
    expect(vaulted).toHaveLength(1);
    expect((await reveal(agent, ticketId, vaulted[0].id)).body).toMatchObject({ secret: SECRET });
    expect(await everythingStored(sut)).not.toContain(SECRET);
  });

  // An outside privacy test: an out-of-scope closure's own `note` was kept and shown as written
  // (tickets.closure, GET, the list, for the partner too) and never vaulted, so never destroyed.
  it('P9: a closure’s note is masked wherever it is shown, its particulars vaulted and destroyed with the others', async () => {
    const CLOSE_SECRET = 'SECRETMARK-61-CloseNote#';
    const ticketId = await fileTicket(partnerToken());
    const agent = staffToken('agent-closure');
    const current = await sut.http().get(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' });
    const closedAt = clock.now();
    const closed = await sut
      .http()
      .patch(`/v1/tickets/${ticketId}`)
      .auth(agent, { type: 'bearer' })
      .set('if-match', current.headers.etag)
      .send({ status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor', note: `Out of scope; your password: ${CLOSE_SECRET}` } });
    expect(closed.status).toBe(200);

    const masked = /^Out of scope; your \[credentials stored securely: TSS vault #([0-9a-f]{8})\]$/;
    expect(closed.body.closure).toEqual({ reason: 'malware_removal', thirdParty: 'security_software_vendor', note: expect.stringMatching(masked) });
    for (const token of [partnerToken(), agent]) {
      const read = await sut.http().get(`/v1/tickets/${ticketId}`).auth(token, { type: 'bearer' });
      expect(read.body.closure.note).toBe(closed.body.closure.note);
      const listed = await sut.http().get('/v1/tickets?limit=200').auth(token, { type: 'bearer' });
      const inList = (listed.body.items as { id: string; closure?: { note?: string } }[]).find((t) => t.id === ticketId);
      expect(inList?.closure?.note).toBe(closed.body.closure.note);
      const history = await sut.http().get(`/v1/tickets/${ticketId}/history`).auth(token, { type: 'bearer' });
      expect(JSON.stringify(history.body)).not.toContain(CLOSE_SECRET);
    }
    const [row] = await sut.query<{ note: string }>(`SELECT closure->>'note' AS note FROM ${INTAKE_SCHEMA}.tickets WHERE id = $1`, [ticketId]);
    expect(row.note).toBe(closed.body.closure.note);
    const events = await sut.query<{ event: unknown }>(`SELECT event FROM ${INTAKE_SCHEMA}.outbox WHERE message_key = $1`, [ticketId]);
    expect(events.map((e) => e.event)).toContainEqual(expect.objectContaining({ type: 'ticket.closed' }));
    expect(JSON.stringify(events)).not.toContain(CLOSE_SECRET);

    // In the vault, as the PATCH's own note would be: revealed to staff, due with the closure.
    const vaulted = (await list(agent, ticketId)).body.items as { id: string; kind: string; destroyAfter?: string }[];
    expect(vaulted).toEqual([expect.objectContaining({ kind: 'detected', destroyAfter: new Date(closedAt.getTime() + 2 * 24 * 3_600_000).toISOString() })]);
    expect(closed.body.closure.note).toMatch(new RegExp(`#${vaulted[0].id.slice(0, 8)}\\]$`));
    expect((await reveal(agent, ticketId, vaulted[0].id)).body).toMatchObject({ secret: CLOSE_SECRET });
    expect(await everythingStored(sut)).not.toContain(CLOSE_SECRET);

    clock.advanceMs(2 * 24 * 3_600_000);
    await waitFor('the closure note’s credential destroyed by its timer', async () =>
      (await sut.query<{ destroyed_at: Date | null }>(`SELECT destroyed_at FROM ${INTAKE_SCHEMA}.credentials WHERE ticket_id = $1`, [ticketId])).every((c) => c.destroyed_at !== null),
    );
    expect((await reveal(staffToken('agent-closure'), ticketId, vaulted[0].id)).status).toBe(410); // a fresh token: the clock moved on
  });

  it('P9: a text with many particulars has them all masked, kept together as one credential', () => {
    const secrets = Array.from({ length: 30 }, (_, i) => `Pw-${i}-${randomUUID().slice(0, 6)}`);
    const masked = maskForVault(secrets.map((secret, i) => `user${i}: password: ${secret}`).join('\n'));

    expect(masked.pending).toHaveLength(1);
    for (const secret of secrets) {
      expect(masked.text).not.toContain(secret);
      expect(masked.pending[0].secret.secret).toContain(secret);
    }
    expect(masked.text.split(`TSS vault #${masked.pending[0].id.slice(0, 8)}`)).toHaveLength(31);
  });

  it('a bad TSS_MASTER_KEYS is a ConfigError naming the problem, never the key', () => {
    const short = randomBytes(16).toString('base64');
    const deps = {
      dataSource: {},
      env: { TSS_MASTER_KEYS: `k1:${short}` },
      config: {},
      timers: new TimerStore({ schema: INTAKE_SCHEMA, clock }),
    } as unknown as CredentialDeps;
    let thrown: unknown;
    try {
      credentialVault(deps);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(String((thrown as Error).message)).toContain('TSS_MASTER_KEYS: master key k1 is 16 bytes, not 32');
    expect(String((thrown as Error).message)).not.toContain(short);
  });
});

describe('credentials vault without TSS_MASTER_KEYS (single process, development)', () => {
  const clock = new TestClock('2026-03-02T08:00:00.000Z');
  const { lines, stream } = logCapture();
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock, logger: pino(loggerOptions('ticket-intake', 'info'), stream) });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('generates a master key into intake’s schema, warns once without key material, and still stores and reveals', async () => {
    const generated = await sut.query<{ id: string; key: Buffer }>(`SELECT id, key FROM ${INTAKE_SCHEMA}.credential_generated_master_keys`);
    expect(generated).toHaveLength(1);
    const warnings = lines.filter((l) => String(l.msg).includes('TSS_MASTER_KEYS is not set'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, masterKeyId: generated[0].id });
    expect(JSON.stringify(lines)).not.toContain(generated[0].key.toString('base64'));

    const partnerToken = sut.token({ kind: 'partner', partner_id: randomUUID(), scope: 'tickets:read tickets:write' });
    const filed = await sut.http().post('/v1/tickets').auth(partnerToken, { type: 'bearer' }).send(sampleTicket());
    const stored = await sut.http().post(`/v1/tickets/${filed.body.id}/credentials`).auth(partnerToken, { type: 'bearer' }).send({ label: 'Dev', secret: SECRET });
    expect(stored.status).toBe(201);
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' });
    const revealed = await sut.http().get(`/v1/tickets/${filed.body.id}/credentials/${stored.body.id}`).auth(staff, { type: 'bearer' });
    expect(revealed.status).toBe(200);
    expect(revealed.body.secret).toBe(SECRET);
    const [key] = await sut.query<{ master_key_id: string }>(`SELECT master_key_id FROM ${INTAKE_SCHEMA}.credential_data_keys WHERE credential_id = $1`, [stored.body.id]);
    expect(key.master_key_id).toBe(generated[0].id);
  });
});
