import { keysToRetire, rotationDue, signingKeyAt } from '../../src/domain/key-schedule';

const at = (iso: string) => new Date(iso);
const key = (kid: string, createdAt: string, signsFrom = createdAt) => ({ kid, createdAt: at(createdAt), signsFrom: at(signsFrom) });

describe('signing key schedule', () => {
  it('a new key is published first and signs only once its pre-publication window is over', () => {
    const keys = [key('k1', '2026-01-01T00:00:00Z'), key('k2', '2026-01-02T00:00:00Z', '2026-01-02T00:10:00Z')];

    expect(signingKeyAt(keys, at('2026-01-02T00:00:00Z'))?.kid).toBe('k1');
    expect(signingKeyAt(keys, at('2026-01-02T00:09:59Z'))?.kid).toBe('k1');
    expect(signingKeyAt(keys, at('2026-01-02T00:10:00Z'))?.kid).toBe('k2');
    expect(signingKeyAt(keys.slice(1), at('2026-01-02T00:00:00Z'))).toBeUndefined();
  });

  it('rotation is due when the newest key, signing or still pre-published, reaches the maximum age', () => {
    const dayMs = 24 * 3_600_000;
    const keys = [key('k1', '2026-01-01T00:00:00Z'), key('k2', '2026-01-02T00:00:00Z', '2026-01-02T00:10:00Z')];

    expect(rotationDue(keys, at('2026-01-02T12:00:00Z'), dayMs)).toBe(false);
    expect(rotationDue(keys, at('2026-01-03T00:00:00Z'), dayMs)).toBe(true);
    expect(rotationDue([], at('2026-01-03T00:00:00Z'), dayMs)).toBe(true);
  });

  it('a signing key retires once its successor has signed longer than a token lives', () => {
    const keys = [
      key('k1', '2026-01-01T00:00:00Z'),
      key('k2', '2026-01-01T23:50:00Z', '2026-01-02T00:00:00Z'),
      key('k3', '2026-01-02T00:05:00Z', '2026-01-02T00:10:00Z'),
    ];
    const lifetimeMs = 15 * 60_000;
    expect(keysToRetire(keys, at('2026-01-02T00:12:00Z'), lifetimeMs)).toEqual([]);
    // Counted from when the successor began to sign, not from when it was published.
    expect(keysToRetire(keys, at('2026-01-02T00:14:00Z'), lifetimeMs)).toEqual([]);
    expect(keysToRetire(keys, at('2026-01-02T00:16:00Z'), lifetimeMs)).toEqual(['k1']);
    expect(keysToRetire(keys, at('2026-01-02T00:26:00Z'), lifetimeMs)).toEqual(['k1', 'k2']);
    expect(keysToRetire(keys.slice(2), at('2027-01-01T00:00:00Z'), lifetimeMs)).toEqual([]);
  });
});
