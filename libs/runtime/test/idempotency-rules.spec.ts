import { createHash } from 'node:crypto';
import { canonicalJson } from '@tss/service-kit';
import {
  fingerprintOf,
  fateOfAnswer,
  IDEMPOTENCY_KEY_RETENTION_MS,
  IDEMPOTENCY_LEASE_MS,
  isReplayable,
  keyExpiresAt,
  keyRecordId,
  keyStillBinds,
  marksNoStore,
  normalizeKey,
  principalKey,
  renewedLeaseUntil,
  replayableHeaders,
  verdictFor,
  type KeyRecord,
} from '../src/idempotency/idempotency-rules';

const NOW = new Date('2026-01-05T09:00:00.000Z');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const json = (value: unknown) => ({ kind: 'json' as const, value });
const record = (overrides: Partial<KeyRecord> = {}): KeyRecord => ({ state: 'done', fingerprint: 'f1', leaseUntil: null, ...overrides });

describe('Idempotency-Key rules (IETF draft, docs/adr/0028)', () => {
  it('a key sent as a Structured Field String and the same key sent bare are one key', () => {
    expect(normalizeKey('"8e03978e-40d5"')).toBe('8e03978e-40d5');
    expect(normalizeKey('8e03978e-40d5')).toBe('8e03978e-40d5');
    expect(normalizeKey('"a\\"b\\\\c"')).toBe('a"b\\c');
    // Not a well-formed string: taken as it is.
    expect(normalizeKey('"unterminated')).toBe('"unterminated');
  });

  it('the fingerprint ignores key order, nested too, and tells different bodies apart', () => {
    const a = fingerprintOf({ kind: 'json', value: { b: 1, a: { y: 2, x: [1, 2] } } });
    const reordered = fingerprintOf({ kind: 'json', value: { a: { x: [1, 2], y: 2 }, b: 1 } });
    const changed = fingerprintOf({ kind: 'json', value: { a: { x: [2, 1], y: 2 }, b: 1 } });

    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(reordered).toBe(a);
    expect(changed).not.toBe(a);
    expect(fingerprintOf({ kind: 'none' })).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(fingerprintOf({ kind: 'stream' })).toBeNull();
  });

  it('P9: the fingerprint holds no access particular: bodies differing only in a password are one request, and it is not sha256 of either', () => {
    const withA = { body: 'late comment password: SECRETMARK-37-Late#', visibility: 'public' };
    const withB = { visibility: 'public', body: 'late comment password: SECRETMARK-38-Late#' };
    const otherText = { body: 'another comment password: SECRETMARK-37-Late#', visibility: 'public' };

    expect(fingerprintOf(json(withA))).toBe(fingerprintOf(json(withB)));
    expect(fingerprintOf(json(withA))).not.toBe(sha256(canonicalJson(withA)));
    expect(fingerprintOf(json(withA))).not.toBe(fingerprintOf(json(otherText)));
    // Nested members and arrays too (every string of the body).
    expect(fingerprintOf(json({ items: [{ note: 'pwd=Hunter2!x' }] }))).toBe(fingerprintOf(json({ items: [{ note: 'pwd=Other3?y' }] })));
  });

  it('P9: members a route seals (a vault’s secret) count present, never by value', () => {
    const sealed = ['login', 'secret', 'note'];
    const a = { label: 'K', secret: 'SECRETMARK-66-Idem#' };

    expect(fingerprintOf(json(a), sealed)).toBe(fingerprintOf(json({ label: 'K', secret: 'another' }), sealed));
    expect(fingerprintOf(json(a), sealed)).not.toBe(sha256('{"label":"K","secret":"SECRETMARK-66-Idem#"}'));
    expect(fingerprintOf(json(a), sealed)).not.toBe(fingerprintOf(json({ label: 'L', secret: 'SECRETMARK-66-Idem#' }), sealed));
    expect(fingerprintOf(json({ ...a, login: 'root' }), sealed)).toBe(fingerprintOf(json({ ...a, login: 'admin' }), sealed));
    expect(fingerprintOf(json({ ...a, login: 'root' }), sealed)).not.toBe(fingerprintOf(json(a), sealed));
  });

  it('a body without particulars or sealed members keeps the fingerprint older releases gave it (a key claimed by one still matches)', () => {
    const body = { b: 1, a: { text: 'The reader crashes on the password reset page' } };
    expect(fingerprintOf(json(body))).toBe(sha256(canonicalJson(body)));
    expect(fingerprintOf(json(body), ['secret'])).toBe(sha256(canonicalJson(body)));
  });

  it('a key belongs to its caller: a partner, each of its requesters and each staff member have their own', () => {
    const partner = principalKey({ kind: 'partner', partnerId: 'p1' }, undefined);
    const requester = principalKey({ kind: 'requester', partnerId: 'p1', requesterId: 'r1' }, undefined);
    const otherPartner = principalKey({ kind: 'partner', partnerId: 'p2' }, undefined);
    const staff = principalKey({ kind: 'staff', staffId: 's1', roles: ['agent'] }, undefined);
    const keys = [partner, requester, otherPartner, staff];

    expect(new Set(keys).size).toBe(4);
    expect(principalKey(undefined, undefined)).toBeUndefined();
    const scope = (principal: string) => keyRecordId({ principal, method: 'POST', path: '/v1/tickets', key: 'k' });
    expect(scope(partner!)).not.toBe(scope(otherPartner!));
    expect(keyRecordId({ principal: partner!, method: 'POST', path: '/v1/tickets/1/messages', key: 'k' })).not.toBe(scope(partner!));
  });

  it('a key binds for 24 h after its first request and is new from that instant on, as the claim’s expires_at <= now says', () => {
    expect(IDEMPOTENCY_KEY_RETENTION_MS).toBe(24 * 60 * 60 * 1000);
    expect(keyExpiresAt(NOW)).toEqual(new Date('2026-01-06T09:00:00.000Z'));
    expect(keyStillBinds(NOW, NOW)).toBe(true);
    expect(keyStillBinds(NOW, new Date(keyExpiresAt(NOW).getTime() - 1))).toBe(true);
    expect(keyStillBinds(NOW, keyExpiresAt(NOW))).toBe(false);
    expect(keyStillBinds(NOW, new Date('2026-01-07T09:00:00.000Z'))).toBe(false);
    // A service that keeps keys for another time (the plugin's `retentionMs`) judges its copies by it too.
    expect(keyStillBinds(NOW, new Date(NOW.getTime() + 60_000), 60_000)).toBe(false);
  });

  it('a different body under a used key is a mismatch (422), finished or not', () => {
    expect(verdictFor(record({ fingerprint: 'f1' }), 'f2', NOW)).toEqual({ kind: 'mismatch' });
    expect(verdictFor(record({ state: 'in_flight', fingerprint: 'f1', leaseUntil: new Date(NOW.getTime() + 5000) }), 'f2', NOW)).toEqual({ kind: 'mismatch' });
  });

  it('the same body replays a finished request; a running one is a 409 whose Retry-After is short (1 s), not the lease left', () => {
    expect(verdictFor(record(), 'f1', NOW)).toEqual({ kind: 'replay' });
    // A first request takes about 100 ms; the lease only bounds one that was interrupted (docs/adr/0028).
    expect(verdictFor(record({ state: 'in_flight', leaseUntil: new Date(NOW.getTime() + IDEMPOTENCY_LEASE_MS) }), 'f1', NOW)).toEqual({ kind: 'in_flight', retryAfterSeconds: 1, leaseLeftSeconds: IDEMPOTENCY_LEASE_MS / 1000 });
    expect(verdictFor(record({ state: 'in_flight', leaseUntil: new Date(NOW.getTime() + 4_300) }), 'f1', NOW)).toEqual({ kind: 'in_flight', retryAfterSeconds: 1, leaseLeftSeconds: 5 });
    expect(verdictFor(record({ state: 'in_flight', leaseUntil: NOW }), 'f1', NOW)).toEqual({ kind: 'in_flight', retryAfterSeconds: 1, leaseLeftSeconds: 1 });
  });

  it('a running request renews a short lease from now, but not past its longest hold (a stuck handler lets its key lapse)', () => {
    const at = (ms: number) => new Date(NOW.getTime() + ms);
    expect(IDEMPOTENCY_LEASE_MS).toBeLessThanOrEqual(10_000);
    expect(renewedLeaseUntil(NOW, at(3_000), 10_000, 300_000)).toEqual(at(13_000));
    expect(renewedLeaseUntil(NOW, at(295_000), 10_000, 300_000)).toEqual(at(300_000));
    expect(renewedLeaseUntil(NOW, at(300_000), 10_000, 300_000)).toBeUndefined();
  });

  it('a body without a fingerprint (a stream) is compared by key alone', () => {
    expect(verdictFor(record({ fingerprint: null }), 'f2', NOW)).toEqual({ kind: 'replay' });
    expect(verdictFor(record({ fingerprint: 'f1' }), null, NOW)).toEqual({ kind: 'replay' });
  });

  it('every answer below 500 is kept for replay; server errors are not', () => {
    expect([200, 201, 204, 400, 404, 409, 422].every(isReplayable)).toBe(true);
    expect([500, 502, 503].some(isReplayable)).toBe(false);
  });

  it('a refusal of a body cut short is not kept (the retry sends it whole); a success is, whatever became of the body', () => {
    const fate = (status: number, bodyCutShort: boolean) => fateOfAnswer({ status, bodyCutShort, noStore: false });
    expect([400, 404, 413].map((status) => fate(status, true))).toEqual(['release', 'release', 'release']);
    expect([200, 201, 204].map((status) => fate(status, true))).toEqual(['keep', 'keep', 'keep']);
    expect([201, 400].map((status) => fate(status, false))).toEqual(['keep', 'keep']);
    expect(fate(503, false)).toBe('release');
  });

  it('a success marked no-store (a secret shown once) is withheld; a refusal so marked is not kept; a 5xx is released', () => {
    const fate = (status: number) => fateOfAnswer({ status, bodyCutShort: false, noStore: true });
    expect([200, 201].map(fate)).toEqual(['withhold', 'withhold']);
    expect([404, 409].map(fate)).toEqual(['release', 'release']);
    expect(fate(500)).toBe('release');
  });

  it('a 404 for a ticket the service has not learned of yet is not kept: the retry runs afresh (docs/adr/0068); another 404 is', () => {
    expect(fateOfAnswer({ status: 404, bodyCutShort: false, noStore: false, unknownTicket: true })).toBe('release');
    expect(fateOfAnswer({ status: 404, bodyCutShort: false, noStore: false, unknownTicket: false })).toBe('keep');
  });

  it('a refusal marked as the service being behind intake is not kept: the retry runs afresh (docs/adr/0068, addendum of 2026-12-05); an unmarked one is', () => {
    expect(fateOfAnswer({ status: 409, bodyCutShort: false, noStore: false, ticketBehind: true })).toBe('release');
    expect(fateOfAnswer({ status: 409, bodyCutShort: false, noStore: false, ticketBehind: false })).toBe('keep');
  });

  it('no-store is found among the Cache-Control directives, in any case, in one field or several', () => {
    expect(marksNoStore('no-store')).toBe(true);
    expect(marksNoStore('private, No-Store')).toBe(true);
    expect(marksNoStore(['max-age=0', 'no-store'])).toBe(true);
    expect(marksNoStore('no-cache, max-age=60')).toBe(false);
    expect(marksNoStore(undefined)).toBe(false);
  });

  it('a replay repeats the representation headers, not the request id or cookies', () => {
    expect(
      replayableHeaders({ 'content-type': 'application/json; charset=utf-8', location: '/v1/tickets/1', etag: '"3"', 'x-request-id': 'abc', 'set-cookie': ['a=b'], 'content-length': 12 }),
    ).toEqual({ 'content-type': 'application/json; charset=utf-8', location: '/v1/tickets/1', etag: '"3"' });
  });
});
