import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { TICKET_BEHIND_HEADER } from '@tss/contracts';
import { messagingMigrations } from '@tss/messaging';
import { canonicalJson, failureResponses, PROBLEM_CONTENT_TYPE, sendFailure, type AccessRule } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import {
  idempotencyFingerprintsCleared,
  idempotencyMigration,
  IdempotencyStore,
  enablesIdempotency,
  fingerprintOf,
  IDEMPOTENCY_KEY_RETENTION_MS,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_MAX_HOLD_MS,
} from '../src/idempotency';
import type { ServiceModule } from '../src/service-module';
import { startServiceUnderTest, type ServiceUnderTest } from '../src/testing';

const SCHEMA = 'idem_test';
const CALLERS: AccessRule = { kinds: ['partner', 'requester', 'staff'] };
const Thing = Type.Object({ id: Type.Integer(), name: Type.String() });
const ThingBody = Type.Object({ name: Type.String({ minLength: 1 }), wait: Type.Optional(Type.Boolean()), tags: Type.Optional(Type.Array(Type.String())) }, { examples: [{ name: 'a thing' }] });

/** What the routes did: a replay must not add to these. */
const runs = { things: 0, notes: 0, ratings: 0, slow: 0, flaky: 0, exempt: 0, uploads: 0, secrets: 0, vaulted: 0 };
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const FINGERPRINTS_CLEARED_AT = 1765605800000;
let gate: { promise: Promise<void>; open: () => void };
const newGate = () => {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  gate = { promise, open };
};

const thingRoutes = async (app: FastifyInstance) => {
  const schema = (operationId: string, extra: Record<string, unknown> = {}) => ({ tags: ['things'], operationId, summary: operationId, body: ThingBody, ...extra });
  app.post('/v1/things', { schema: schema('createThing', { response: { 201: Thing } }), config: { access: CALLERS } }, async (request, reply) => {
    runs.things += 1;
    const id = runs.things;
    return reply.code(201).header('location', `/v1/things/${id}`).send({ id, name: (request.body as { name: string }).name });
  });
  app.post(
    '/v1/things/:id/notes',
    { schema: schema('addNote', { params: Type.Object({ id: Type.String() }), response: { 201: Thing, ...failureResponses('not_found') } }), config: { access: CALLERS } },
    async (request, reply) => {
      runs.notes += 1;
      if ((request.params as { id: string }).id !== 'known') return sendFailure(reply, { kind: 'not_found', detail: 'No such thing.' });
      return reply.code(201).send({ id: runs.notes, name: 'note' });
    },
  );
  // As rating answers a ticket its projection has not seen resolved: a 409 marked for the gateway,
  // which makes it a 503 when intake shows the ticket resolved (docs/adr/0068, addendum of 2026-12-05).
  app.post(
    '/v1/things/:id/ratings',
    { schema: schema('rateThing', { params: Type.Object({ id: Type.String() }), response: { 201: Thing, ...failureResponses('unresolved_ticket') } }), config: { access: CALLERS } },
    async (_request, reply) => {
      runs.ratings += 1;
      if (runs.ratings === 1) return sendFailure(reply, { kind: 'unresolved_ticket', detail: 'Not resolved here yet.' });
      return reply.code(201).send({ id: runs.ratings, name: 'rating' });
    },
  );
  app.post('/v1/slow', { schema: schema('slowThing', { response: { 201: Thing } }), config: { access: CALLERS } }, async (_request, reply) => {
    runs.slow += 1;
    const run = runs.slow;
    await gate.promise;
    return reply.code(201).send({ id: run, name: 'slow' });
  });
  app.post('/v1/flaky', { schema: schema('flakyThing', { response: { 201: Thing } }), config: { access: CALLERS } }, async (_request, reply) => {
    runs.flaky += 1;
    if (runs.flaky === 1) throw new Error('the first attempt fails on our side');
    return reply.code(201).send({ id: runs.flaky, name: 'flaky' });
  });
  app.post('/v1/exempt', { schema: schema('exemptThing', { response: { 201: Thing } }), config: { access: CALLERS, idempotency: false } }, async (_request, reply) => {
    runs.exempt += 1;
    return reply.code(201).send({ id: runs.exempt, name: 'exempt' });
  });
  // A body the route reads itself, as intake's multipart uploads do: no fingerprint, and a body cut
  // short is the route's own 400.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  app.post('/v1/uploads', { schema: { tags: ['things'], operationId: 'upload', summary: 'upload', response: { 201: Thing, ...failureResponses('bad_request') } }, config: { access: CALLERS } }, async (request, reply) => {
    let bytes = 0;
    try {
      for await (const chunk of request.body as AsyncIterable<Buffer>) bytes += chunk.length;
    } catch {
      return sendFailure(reply, { kind: 'bad_request', detail: 'The body cannot be read.' });
    }
    runs.uploads += 1;
    return reply.code(201).send({ id: runs.uploads, name: `${bytes} bytes` });
  });
  // A secret shown once, as the gateway's new API clients and notification's webhook endpoints are.
  app.post('/v1/secrets', { schema: schema('createSecret', { response: { 201: Type.Object({ id: Type.Integer(), secret: Type.String() }) } }), config: { access: CALLERS } }, async (_request, reply) => {
    runs.secrets += 1;
    return reply.code(201).header('cache-control', 'no-store').header('location', `/v1/secrets/${runs.secrets}`).send({ id: runs.secrets, secret: `s3cr3t-${runs.secrets}` });
  });
  // Particulars handed over to a vault, as intake's `POST …/credentials`: the secret is sealed and destroyed.
  app.post(
    '/v1/vault',
    {
      schema: { tags: ['things'], operationId: 'vaultThing', summary: 'vault', body: Type.Object({ label: Type.String(), secret: Type.String() }), response: { 201: Thing } },
      config: { access: CALLERS, sealedBodyMembers: ['secret'] },
    },
    async (request, reply) => {
      runs.vaulted += 1;
      return reply.code(201).send({ id: runs.vaulted, name: (request.body as { label: string }).label });
    },
  );
  app.get('/v1/things', { schema: { tags: ['things'], operationId: 'listThings', summary: 'list', response: { 200: Type.Array(Thing) } }, config: { access: CALLERS } }, async () => []);
};

/** A service of the test's own: its migrations list the key table, so every POST handles keys. */
const thingsService: ServiceModule = {
  name: 'rating',
  description: 'Things, for the Idempotency-Key tests.',
  schema: SCHEMA,
  entities: [],
  migrations: [...messagingMigrations(SCHEMA), idempotencyMigration(SCHEMA), idempotencyFingerprintsCleared(SCHEMA, FINGERPRINTS_CLEARED_AT)],
  build: () => ({ routes: thingRoutes }),
};

describe('Idempotency-Key on every POST of a service that enables it (IETF draft, docs/adr/0028)', () => {
  const clock = new TestClock();
  let sut: ServiceUnderTest;
  let store: IdempotencyStore;
  const partnerToken = (partnerId = 'p-acme') => sut.token({ kind: 'partner', partner_id: partnerId, sub: `client-${partnerId}` });
  /** Warnings and errors the service logged, parsed. */
  const logged: Record<string, unknown>[] = [];
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logged.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });

  beforeAll(async () => {
    sut = await startServiceUnderTest(thingsService, { clock, database: 'empty', logger: pino({ level: 'warn' }, logSink) });
    store = new IdempotencyStore(sut.host.dataSource, SCHEMA);
    // A port of its own: the tests that cut a request short write to a socket.
    await sut.platform.app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    gate?.open();
    await sut?.stop();
  });

  beforeEach(() => {
    for (const name of Object.keys(runs) as (keyof typeof runs)[]) runs[name] = 0;
    newGate();
  });

  const post = (path: string, key: string | undefined, body: unknown, token = partnerToken()) => {
    const req = sut.http().post(path).set('authorization', `Bearer ${token}`).set('content-type', 'application/json');
    return (key === undefined ? req : req.set('idempotency-key', key)).send(JSON.stringify(body));
  };
  const rowOf = async (key: string) => (await sut.query<{ state: string; response_status: number | null }>(`SELECT state, response_status FROM ${SCHEMA}.idempotency_keys WHERE key = $1`, [key]))[0];

  it('a retry replays the original status, headers and body with Idempotent-Replayed, and runs nothing again', async () => {
    const first = await post('/v1/things', 'k-replay', { name: 'one', tags: ['a', 'b'] });
    const retry = await post('/v1/things', 'k-replay', { tags: ['a', 'b'], name: 'one' });

    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers['content-type']).toBe(first.headers['content-type']);
    expect(retry.body).toEqual(first.body);
    expect(runs.things).toBe(1);
  });

  it('the same key with a different body is a 422 problem, and runs nothing', async () => {
    await post('/v1/things', 'k-changed', { name: 'one' });
    const changed = await post('/v1/things', 'k-changed', { name: 'two' });

    expect(changed.status).toBe(422);
    expect(changed.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(changed.body).toMatchObject({ status: 422, type: 'https://tss.dev/problems/idempotency-key-reused' });
    expect(changed.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.things).toBe(1);
  });

  it('a retry while the first request runs is a 409 problem with Retry-After; once it ends, the retry replays it', async () => {
    const first = post('/v1/slow', 'k-slow', { name: 's' }).then((r) => r);
    await waitFor('the first request to hold its key', async () => (await rowOf('k-slow'))?.state === 'in_flight');

    const during = await post('/v1/slow', 'k-slow', { name: 's' });
    gate.open();
    const done = await first;
    const after = await post('/v1/slow', 'k-slow', { name: 's' });

    expect(during.status).toBe(409);
    expect(during.body).toMatchObject({ status: 409, type: 'https://tss.dev/problems/idempotency-in-flight' });
    // Short: the first request ends in moments; the lease only bounds one that was interrupted.
    expect(Number(during.headers['retry-after'])).toBe(1);
    expect(done.status).toBe(201);
    expect(after.status).toBe(201);
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(after.body).toEqual(done.body);
    expect(runs.slow).toBe(1);
  });

  it('concurrent first requests with one key: exactly one runs; the others are 409s or replays of it', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => post('/v1/things', 'k-race', { name: 'raced' })));

    const fresh = answers.filter((a) => a.status === 201 && a.headers['idempotent-replayed'] === undefined);
    const others = answers.filter((a) => !fresh.includes(a));
    expect(fresh).toHaveLength(1);
    for (const other of others) {
      if (other.status === 409) expect(other.body.type).toBe('https://tss.dev/problems/idempotency-in-flight');
      else expect({ status: other.status, replayed: other.headers['idempotent-replayed'], body: other.body }).toEqual({ status: 201, replayed: 'true', body: fresh[0].body });
    }
    expect(runs.things).toBe(1);
  });

  describe('P9: no kept fingerprint lets a guess of a particular be tested (docs/adr/0028, addendum of 2026-12-05, fourth session)', () => {
    const fingerprintKept = async (key: string) => (await sut.query<{ fingerprint: string | null }>(`SELECT fingerprint FROM ${SCHEMA}.idempotency_keys WHERE key = $1`, [key]))[0]?.fingerprint;

    it('a route’s sealed members and the particulars anywhere in a body stay out of the fingerprint; a retry differing only in them is the same request', async () => {
      const sealed = { label: 'K', secret: 'SECRETMARK-66-Idem#' };
      const first = await post('/v1/vault', 'k-vault', sealed);
      const otherSecret = await post('/v1/vault', 'k-vault', { label: 'K', secret: 'SECRETMARK-67-Idem#' });
      const otherLabel = await post('/v1/vault', 'k-vault', { label: 'L', secret: 'SECRETMARK-66-Idem#' });
      const written = { name: 'login: root password: SECRETMARK-1a#' };
      const thing = await post('/v1/things', 'k-thing-particulars', written);
      const thingOtherPassword = await post('/v1/things', 'k-thing-particulars', { name: 'login: root password: SECRETMARK-2b#' });

      expect(await fingerprintKept('k-vault')).not.toBe(sha256(canonicalJson(sealed)));
      expect(await fingerprintKept('k-thing-particulars')).not.toBe(sha256(canonicalJson(written)));
      expect([first.status, otherSecret.status, otherSecret.headers['idempotent-replayed'], otherLabel.status]).toEqual([201, 201, 'true', 422]);
      expect([thing.status, thingOtherPassword.status, thingOtherPassword.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
      expect([runs.vaulted, runs.things]).toEqual([1, 1]);
    });

    it('a key kept without a fingerprint (cleared on upgrade) is compared alone: done, it replays to any body; a lapsed claim is taken over', async () => {
      const done = await post('/v1/things', 'k-cleared-done', { name: 'first' });
      await sut.query(`UPDATE ${SCHEMA}.idempotency_keys SET fingerprint = NULL WHERE key = $1`, ['k-cleared-done']);
      const replay = await post('/v1/things', 'k-cleared-done', { name: 'another body' });
      // What the upgrade leaves of a claim whose holder died: in flight, no fingerprint.
      const scope = { principal: 'partner:p-acme', method: 'POST', path: '/v1/things', key: 'k-cleared-flight' };
      expect((await store.claim(scope, null, clock.now(), IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_KEY_RETENTION_MS)).held).toBe(true);
      const early = await post('/v1/things', 'k-cleared-flight', { name: 'x' });
      clock.advanceMs(IDEMPOTENCY_LEASE_MS);
      const taken = await post('/v1/things', 'k-cleared-flight', { name: 'x' });

      expect({ status: replay.status, replayed: replay.headers['idempotent-replayed'], body: replay.body }).toEqual({ status: 201, replayed: 'true', body: done.body });
      expect(early.status).toBe(409);
      expect({ status: taken.status, replayed: taken.headers['idempotent-replayed'] }).toEqual({ status: 201, replayed: undefined });
      expect(await fingerprintKept('k-cleared-flight')).toBe(fingerprintOf({ kind: 'json', value: { name: 'x' } }));
      expect(runs.things).toBe(2);
    });

    it('the upgrade’s migration clears every fingerprint kept before it, and nothing else', async () => {
      await post('/v1/things', 'k-before-upgrade', { name: 'password: SECRETMARK-3c#' });
      const before = (await sut.query<{ state: string; response_status: number }>(`SELECT state, response_status FROM ${SCHEMA}.idempotency_keys WHERE key = $1`, ['k-before-upgrade']))[0];
      const runner = sut.host.dataSource.createQueryRunner();
      try {
        await new (idempotencyFingerprintsCleared(SCHEMA, FINGERPRINTS_CLEARED_AT))().up(runner);
      } finally {
        await runner.release();
      }

      expect(idempotencyFingerprintsCleared(SCHEMA, FINGERPRINTS_CLEARED_AT).name).toBe(`IdempotencyFingerprintsCleared${FINGERPRINTS_CLEARED_AT}`);
      expect((await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.idempotency_keys WHERE fingerprint IS NOT NULL`))[0].n).toBe(0);
      expect(await rowOf('k-before-upgrade')).toEqual(before);
      expect(() => idempotencyFingerprintsCleared(SCHEMA, 17656)).toThrow(/13-digit/);
    });
  });

  it('a 4xx answer of the handler is kept and replayed (the draft: the retry gets the first answer)', async () => {
    const first = await post('/v1/things/unknown/notes', 'k-404', { name: 'n' });
    const retry = await post('/v1/things/unknown/notes', 'k-404', { name: 'n' });

    expect(first.status).toBe(404);
    expect(retry.status).toBe(404);
    expect(retry.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(runs.notes).toBe(1);
  });

  it('a refusal marked as the service being behind (tss-ticket-behind) is not kept: the gateway may have made it a 503, and the retry runs afresh', async () => {
    const first = await post('/v1/things/t-1/ratings', 'k-behind', { name: 'r' });
    expect(first.status).toBe(409);
    expect(first.headers[TICKET_BEHIND_HEADER]).toBe('resolved');
    expect(await rowOf('k-behind')).toBeUndefined();
    const retry = await post('/v1/things/t-1/ratings', 'k-behind', { name: 'r' });

    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.ratings).toBe(2);
  });

  it('a request that fails its schema keeps no key: the corrected retry runs', async () => {
    const invalid = await post('/v1/things', 'k-invalid', { name: '' });
    const corrected = await post('/v1/things', 'k-invalid', { name: 'fixed' });

    expect(invalid.status).toBe(400);
    expect(corrected.status).toBe(201);
    expect(corrected.headers['idempotent-replayed']).toBeUndefined();
    expect(await rowOf('k-invalid')).toEqual({ state: 'done', response_status: 201 });
  });

  it('a 5xx is not kept: the retry with the key runs afresh', async () => {
    const failed = await post('/v1/flaky', 'k-flaky', { name: 'f' });
    expect(await rowOf('k-flaky')).toBeUndefined();
    const retry = await post('/v1/flaky', 'k-flaky', { name: 'f' });

    expect(failed.status).toBe(500);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.flaky).toBe(2);
    expect(await rowOf('k-flaky')).toEqual({ state: 'done', response_status: 201 });
  });

  it("an answer that cannot be stored is logged with the request's id and trace id, and still goes out", async () => {
    const failure = jest.spyOn(IdempotencyStore.prototype, 'complete').mockRejectedValueOnce(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    try {
      const answer = await post('/v1/things', 'k-unstored', { name: 'u' }).set('x-request-id', 'req-unstored-1');
      expect(answer.status).toBe(201);
    } finally {
      failure.mockRestore();
    }
    const line = logged.find((l) => l.msg === 'could not store the answer of an idempotent request');
    expect(line).toMatchObject({ level: 50, reqId: 'req-unstored-1', idempotencyKey: expect.any(String) });
    expect(line?.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  /** Sends the head of a POST and `bodyBytes` of its body, then closes the connection before the rest. */
  const cutShort = async (path: string, key: string, headers: Record<string, string>, body: Buffer, bodyBytes: number) => {
    const { port } = sut.platform.app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const head = Object.entries({ ...headers, authorization: `Bearer ${partnerToken()}`, 'idempotency-key': key, 'content-length': String(body.length) })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${head}\r\n`);
    if (bodyBytes > 0) socket.write(body.subarray(0, bodyBytes));
    await waitFor('the cut request to hold its key', async () => (await rowOf(key))?.state === 'in_flight');
    socket.destroy();
    await waitFor('the cut request to be over', async () => (await rowOf(key))?.state !== 'in_flight');
  };
  const upload = (key: string, body: Buffer) =>
    sut.http().post('/v1/uploads').set('authorization', `Bearer ${partnerToken()}`).set('content-type', 'application/octet-stream').set('idempotency-key', key).send(body);

  it.each([
    ['half of its body', 32_768],
    ['its head alone', 0],
  ])('a request whose client went away after %s keeps no answer: the retry with the key runs', async (_cut, bodyBytes) => {
    const key = `k-cut-${bodyBytes}`;
    const body = Buffer.alloc(65_536, 7);

    await cutShort('/v1/uploads', key, { 'content-type': 'application/octet-stream' }, body, bodyBytes);
    expect(await rowOf(key)).toBeUndefined();
    const retry = await upload(key, body);

    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).toEqual({ id: 1, name: '65536 bytes' });
    expect(await rowOf(key)).toEqual({ state: 'done', response_status: 201 });
  });

  it('a request whose client went away after its whole body keeps its answer: the effect happened, and the retry gets it', async () => {
    const body = Buffer.from(JSON.stringify({ name: 'gone' }));
    const { port } = sut.platform.app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(`POST /v1/slow HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${partnerToken()}\r\nidempotency-key: k-gone\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);
    socket.write(body);
    await waitFor('the request to hold its key', async () => (await rowOf('k-gone'))?.state === 'in_flight');
    socket.destroy();
    gate.open();
    await waitFor('its answer to be kept', async () => (await rowOf('k-gone'))?.state === 'done');

    const retry = await post('/v1/slow', 'k-gone', { name: 'gone' });
    expect([retry.status, retry.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(runs.slow).toBe(1);
  });

  it('an answer that shows a secret once (no-store) is not kept: the retry runs nothing and gets a 409 with the first Location', async () => {
    const first = await post('/v1/secrets', 'k-secret', { name: 'mine' });
    const retry = await post('/v1/secrets', 'k-secret', { name: 'mine' });
    const other = await post('/v1/secrets', 'k-secret', { name: 'mine' }, partnerToken('p-other'));
    const [stored] = await sut.query<{ body: string }>(`SELECT convert_from(response_body, 'UTF8') AS body FROM ${SCHEMA}.idempotency_keys WHERE key = 'k-secret' AND principal = 'partner:p-acme'`);

    expect(first.status).toBe(201);
    expect(first.body.secret).toBe('s3cr3t-1');
    expect(retry.status).toBe(409);
    // As every other problem goes out (fastify adds the charset to a JSON text it sends).
    expect(retry.headers['content-type']).toBe(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    expect(retry.body).toMatchObject({ status: 409, type: 'https://tss.dev/problems/idempotency-answer-withheld', instance: '/v1/secrets' });
    expect(retry.headers.location).toBe('/v1/secrets/1');
    expect(JSON.stringify(retry.body)).not.toContain('s3cr3t');
    expect(stored.body).not.toContain('s3cr3t');
    // Another caller's key is another request: it gets a secret of its own.
    expect([other.status, other.body.secret]).toEqual([201, 's3cr3t-2']);
    expect(runs.secrets).toBe(2);
  });

  it('two partners, a partner and its requester, and staff use one key independently', async () => {
    const callers = [
      partnerToken('p-one'),
      partnerToken('p-two'),
      sut.token({ kind: 'requester', partner_id: 'p-one', requester_id: 'r-1', sub: 'r-1' }),
      sut.token({ kind: 'staff', sub: 'agent-7', roles: ['agent'] }),
    ];
    const answers = [];
    for (const token of callers) answers.push(await post('/v1/things', 'k-shared', { name: 'mine' }, token));

    expect(answers.map((a) => [a.status, a.headers['idempotent-replayed']])).toEqual(callers.map(() => [201, undefined]));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(4);
    expect(runs.things).toBe(4);
  });

  it('the key is per path: the same key on another POST is another key', async () => {
    const a = await post('/v1/things', 'k-path', { name: 'p' });
    const b = await post('/v1/things/known/notes', 'k-path', { name: 'p' });

    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a key sent quoted (Structured Field String) is the key sent bare', async () => {
    const bare = await post('/v1/things', 'k-quoted', { name: 'q' });
    const quoted = await post('/v1/things', '"k-quoted"', { name: 'q' });

    expect(quoted.headers['idempotent-replayed']).toBe('true');
    expect(quoted.body).toEqual(bare.body);
  });

  it('a malformed key is a 400 problem; a POST without a key, or one that opts out, runs every time', async () => {
    const malformed = await post('/v1/things', 'has space', { name: 'x' });
    await post('/v1/things', undefined, { name: 'x' });
    await post('/v1/things', undefined, { name: 'x' });
    const exemptFirst = await post('/v1/exempt', 'k-exempt', { name: 'x' });
    const exemptAgain = await post('/v1/exempt', 'k-exempt', { name: 'x' });

    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(runs.things).toBe(2);
    expect(exemptAgain.headers['idempotent-replayed']).toBeUndefined();
    expect(exemptAgain.body.id).toBe(exemptFirst.body.id + 1);
    expect(await rowOf('k-exempt')).toBeUndefined();
  });

  it('a first request stuck past its longest hold stops renewing, and a retry takes its key over a lease later', async () => {
    const stuck = post('/v1/slow', 'k-lease', { name: 'l' }).then((r) => r);
    await waitFor('the first request to hold its key', async () => (await rowOf('k-lease'))?.state === 'in_flight');
    clock.advanceMs(IDEMPOTENCY_MAX_HOLD_MS + IDEMPOTENCY_LEASE_MS + 1);

    const retry = post('/v1/slow', 'k-lease', { name: 'l' }, partnerToken()).then((r) => r);
    await waitFor('the retry to run', () => runs.slow === 2);
    gate.open();
    const [late, taken] = await Promise.all([stuck, retry]);

    expect(taken.status).toBe(201);
    expect(taken.headers['idempotent-replayed']).toBeUndefined();
    expect(late.status).toBe(201);
    // The key now answers with the retry's result, not the late first one's.
    const replay = await post('/v1/slow', 'k-lease', { name: 'l' }, partnerToken());
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(taken.body);
  });

  describe('the lease: a claim whose holder died lapses in seconds; a live request renews it', () => {
    const scopeOf = (key: string) => ({ principal: 'partner:p-acme', method: 'POST', path: '/v1/slow', key });
    const leaseUntilOf = async (key: string): Promise<number | undefined> =>
      (await sut.query<{ lease_until: Date | null }>(`SELECT lease_until FROM ${SCHEMA}.idempotency_keys WHERE key = $1`, [key]))[0]?.lease_until?.getTime();

    it('a key whose holder died (killed, or its release failed with the database) is free once its short lease ends', async () => {
      // What a process killed mid-request leaves: a committed claim that nobody renews or releases.
      const body = { name: 'd' };
      const dead = await store.claim(scopeOf('k-dead'), fingerprintOf({ kind: 'json', value: body }), clock.now(), IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_KEY_RETENTION_MS);
      expect(dead.held).toBe(true);

      const early = await post('/v1/slow', 'k-dead', body);
      expect(early.status).toBe(409);
      // The detail does not claim a request is surely running: it may be an interrupted attempt.
      expect(early.body.detail).toContain('interrupted');
      expect(early.body.detail).toContain(`${Math.ceil(IDEMPOTENCY_LEASE_MS / 1000)} s`);

      clock.advanceMs(IDEMPOTENCY_LEASE_MS);
      gate.open();
      const retry = await post('/v1/slow', 'k-dead', body);

      expect(IDEMPOTENCY_LEASE_MS).toBeLessThanOrEqual(10_000);
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(runs.slow).toBe(1);
    });

    it('a live request that runs longer than the lease renews its claim: a retry still gets the 409', async () => {
      const first = post('/v1/slow', 'k-long', { name: 'long' }).then((r) => r);
      await waitFor('the first request to hold its key', async () => (await rowOf('k-long'))?.state === 'in_flight');
      const claimedUntil = (await leaseUntilOf('k-long'))!;

      clock.advanceMs(IDEMPOTENCY_LEASE_MS + 1);
      await waitFor('the holder to renew its lease', async () => ((await leaseUntilOf('k-long')) ?? 0) > clock.now().getTime());
      const during = await post('/v1/slow', 'k-long', { name: 'long' });
      gate.open();
      const done = await first;

      expect(await leaseUntilOf('k-long')).toBeUndefined(); // done: no lease
      expect(claimedUntil).toBeLessThanOrEqual(clock.now().getTime());
      expect(during.status).toBe(409);
      expect(done.status).toBe(201);
      expect(runs.slow).toBe(1);
    });
  });

  it('keys are kept 24 h: an older one is used afresh, and the prune deletes it and keeps younger ones', async () => {
    const old = await post('/v1/things', 'k-old', { name: 'old' });
    clock.advanceMs(23 * 60 * 60 * 1000);
    await post('/v1/things', 'k-young', { name: 'young' }, partnerToken());
    clock.advanceMs(IDEMPOTENCY_KEY_RETENTION_MS - 23 * 60 * 60 * 1000);

    expect(await store.prune(clock.now(), 1)).toBeGreaterThanOrEqual(1);
    expect(await rowOf('k-old')).toBeUndefined();
    expect(await rowOf('k-young')).toEqual({ state: 'done', response_status: 201 });
    const reused = await post('/v1/things', 'k-old', { name: 'other body, a new request' }, partnerToken());
    expect(reused.status).toBe(201);
    expect(reused.body.id).not.toBe(old.body.id);
  });

  it('an expired key not yet pruned is a new key too', async () => {
    await post('/v1/things', 'k-expired', { name: 'e' }, partnerToken());
    clock.advanceMs(IDEMPOTENCY_KEY_RETENTION_MS);
    const again = await post('/v1/things', 'k-expired', { name: 'e' }, partnerToken());

    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.things).toBe(2);
  });

  it('the OpenAPI document declares the header and the 409 and 422 problems on each such POST, and only there', async () => {
    const document = (await sut.http().get('/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>> };
    const keyed = (path: string, method: string) => document.paths[path][method];
    const hasKey = (path: string, method: string) => (keyed(path, method).parameters ?? []).some((p) => p.in === 'header' && p.name === 'idempotency-key');

    for (const [path, method] of [['/v1/things', 'post'], ['/v1/things/{id}/notes', 'post'], ['/v1/slow', 'post']]) {
      expect(hasKey(path, method)).toBe(true);
      expect(Object.keys(keyed(path, method).responses)).toEqual(expect.arrayContaining(['409', '422']));
    }
    expect(hasKey('/v1/exempt', 'post')).toBe(false);
    expect(hasKey('/v1/things', 'get')).toBe(false);
  });

  it('a module asking for idempotency without the key table does not start', () => {
    expect(() => enablesIdempotency({ ...thingsService, migrations: messagingMigrations(SCHEMA), idempotency: true })).toThrow(/list no idempotencyMigration/);
    expect(enablesIdempotency({ ...thingsService, idempotency: false })).toBe(false);
    expect(enablesIdempotency(thingsService)).toBe(true);
  });

  it('a service that takes keys later names the table’s migration by its own, later timestamp', () => {
    const later = idempotencyMigration(SCHEMA, 1765500700000);

    expect(later.name).toBe('IdempotencyKeys1765500700000');
    expect(new later().name).toBe('IdempotencyKeys1765500700000');
    expect(enablesIdempotency({ ...thingsService, migrations: [...messagingMigrations(SCHEMA), later], idempotency: true })).toBe(true);
    expect(() => idempotencyMigration(SCHEMA, 17655)).toThrow(/13-digit/);
  });
});
