import {
  fingerprintOf,
  isReplayable,
  keepsAnswer,
  keyRecordId,
  normalizeKey,
  principalKey,
  replayableHeaders,
  verdictFor,
  type KeyRecord,
} from '../src/idempotency/idempotency-rules';

const NOW = new Date('2026-01-05T09:00:00.000Z');
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

  it('a different body under a used key is a mismatch (422), finished or not', () => {
    expect(verdictFor(record({ fingerprint: 'f1' }), 'f2', NOW)).toEqual({ kind: 'mismatch' });
    expect(verdictFor(record({ state: 'in_flight', fingerprint: 'f1', leaseUntil: new Date(NOW.getTime() + 5000) }), 'f2', NOW)).toEqual({ kind: 'mismatch' });
  });

  it('the same body replays a finished request; a running one is a 409 whose Retry-After is the lease left, at least 1 s', () => {
    expect(verdictFor(record(), 'f1', NOW)).toEqual({ kind: 'replay' });
    expect(verdictFor(record({ state: 'in_flight', leaseUntil: new Date(NOW.getTime() + 42_300) }), 'f1', NOW)).toEqual({ kind: 'in_flight', retryAfterSeconds: 43 });
    expect(verdictFor(record({ state: 'in_flight', leaseUntil: NOW }), 'f1', NOW)).toEqual({ kind: 'in_flight', retryAfterSeconds: 1 });
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
    expect([400, 404, 413].map((status) => keepsAnswer({ status, bodyCutShort: true }))).toEqual([false, false, false]);
    expect([200, 201, 204].map((status) => keepsAnswer({ status, bodyCutShort: true }))).toEqual([true, true, true]);
    expect([201, 400].map((status) => keepsAnswer({ status, bodyCutShort: false }))).toEqual([true, true]);
    expect(keepsAnswer({ status: 503, bodyCutShort: false })).toBe(false);
  });

  it('a replay repeats the representation headers, not the request id or cookies', () => {
    expect(
      replayableHeaders({ 'content-type': 'application/json; charset=utf-8', location: '/v1/tickets/1', etag: '"3"', 'x-request-id': 'abc', 'set-cookie': ['a=b'], 'content-length': 12 }),
    ).toEqual({ 'content-type': 'application/json; charset=utf-8', location: '/v1/tickets/1', etag: '"3"' });
  });
});
