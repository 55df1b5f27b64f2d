import { addressDigest, judgeAddressRequest } from '../../src/domain/address-request-limit';

describe('the public form’s hourly bound on one address (docs/adr/0037 addendum)', () => {
  const now = new Date('2026-06-01T10:00:00.000Z');

  it('allows fewer than the limit, and a repeat of a post already counted whatever the count', () => {
    expect(judgeAddressRequest({ earlier: { count: 4 }, alreadyCounted: false, limit: 5, now })).toEqual({ allowed: true });
    expect(judgeAddressRequest({ earlier: { count: 5, oldestAt: now }, alreadyCounted: true, limit: 5, now })).toEqual({ allowed: true });
  });

  it('refuses the next, until the oldest leaves the hour', () => {
    const oldestAt = new Date('2026-06-01T09:15:00.000Z');
    expect(judgeAddressRequest({ earlier: { count: 5, oldestAt }, alreadyCounted: false, limit: 5, now })).toEqual({ allowed: false, limit: 5, retryAfterSeconds: 15 * 60 });
  });

  it('counts an address whatever its case, and keeps only a digest of it', () => {
    expect(addressDigest('Victim@Example.NET ')).toBe(addressDigest('victim@example.net'));
    expect(addressDigest('victim@example.net')).not.toContain('victim');
  });
});
