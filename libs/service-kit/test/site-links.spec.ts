import { createHmac, randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { SiteLinkEnv, SiteLinkKeys, siteLinkUrl } from '../src';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const now = new Date('2026-12-02T10:00:00Z');
const grant = { ticketId: '9b1d3c52-4a3e-4f62-8d39-0a5c2a7f7a11', partnerId: '0f8fad5b-d9cb-469f-a165-70867728950e', requester: 'req-1', language: 'ru', expiresAt: new Date('2026-12-16T10:00:00Z') };

/** A link as releases before 2026-12-04 (seventh session) minted it: `v1.<kid>.<payload>.<mac>`, its payload readable. */
const legacyV1 = (kid: string, secret: Buffer, claims: Record<string, unknown>) => {
  const signed = `v1.${kid}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
};

describe('site links (P12)', () => {
  const secret = randomBytes(32);
  const keys = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: `k1:${secret.toString('base64')}` });

  it('a link hides what it names: no part of it, decoded, shows the ticket, the partner, the requester or the language', () => {
    const { token } = keys.mint({ ...grant, requester: 'mail:ann@client.example', mintedBy: { kind: 'staff', id: 'sc_agent' } });
    const decoded = token.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1'));
    for (const secretPart of [grant.ticketId, grant.partnerId, 'ann@client.example', 'sc_agent', '"g":"ru"']) {
      expect(token).not.toContain(secretPart);
      for (const part of decoded) expect(part).not.toContain(secretPart);
    }
    expect(token.length).toBeLessThan(400);
  });

  it('a link minted before links were encrypted (v1, signed only) still opens, and is refused when changed', () => {
    const claims = { l: 'link-1', t: grant.ticketId, p: grant.partnerId, r: 'req-1', g: 'ru', e: Math.floor(grant.expiresAt.getTime() / 1000) };
    const old = legacyV1('k1', secret, claims);
    expect(keys.verify(old, now)).toEqual({ ok: true, value: { ...grant, linkId: 'link-1' } });
    const relabelled = legacyV1('k1', randomBytes(32), { ...claims, r: 'req-2' });
    expect(keys.verify(relabelled, now)).toEqual({ ok: false, error: 'bad_signature' });
  });

  it('a minted link verifies to its grant until it expires', () => {
    const { token, grant: minted } = keys.mint(grant);
    const verified = keys.verify(token, now);
    expect(verified).toEqual({ ok: true, value: { ...grant, linkId: minted.linkId, expiresAt: new Date('2026-12-16T10:00:00Z') } });
    expect(keys.verify(token, new Date('2026-12-16T10:00:00Z'))).toEqual({ ok: false, error: 'expired' });
  });

  it('readSigned gives an expired link’s grant (its language for the refusal page), never a forged link’s', () => {
    const { token, grant: minted } = keys.mint(grant);
    expect(keys.readSigned(token)).toEqual({ ok: true, value: { ...grant, linkId: minted.linkId } });
    const [v, kid, sealed] = token.split('.');
    expect(keys.readSigned([v, kid, `${sealed.slice(0, -4)}AAAA`].join('.'))).toEqual({ ok: false, error: 'bad_signature' });
    expect(SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: key('k1') }).readSigned(token)).toEqual({ ok: false, error: 'bad_signature' });
  });

  it('a link minted through the API names its minter, signed; the mail links name none (docs/adr/0037, fifth session)', () => {
    const { token, grant: minted } = keys.mint({ ...grant, mintedBy: { kind: 'staff', id: 'sc_agent:1' } });
    expect(keys.verify(token, now)).toEqual({ ok: true, value: { ...grant, linkId: minted.linkId, mintedBy: { kind: 'staff', id: 'sc_agent:1' } } });
    expect(keys.verify(keys.mint(grant).token, now)).toEqual({ ok: true, value: expect.not.objectContaining({ mintedBy: expect.anything() }) });
  });

  it('a changed payload, a foreign key or a mangled token is refused', () => {
    const { token } = keys.mint(grant);
    const [v, kid, sealed] = token.split('.');
    const bytes = Buffer.from(sealed, 'base64url');
    for (const at of [0, 12, 20, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[at] ^= 0x01;
      expect(keys.verify([v, kid, flipped.toString('base64url')].join('.'), now)).toEqual({ ok: false, error: 'bad_signature' });
    }
    // The key id is bound to the sealed payload: relabelled under another id the key knows, it opens nothing.
    const twoIds = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: `k1:${secret.toString('base64')},k2:${secret.toString('base64')}` });
    expect(twoIds.verify([v, 'k2', sealed].join('.'), now)).toEqual({ ok: false, error: 'bad_signature' });
    expect(keys.verify(`${v}.${kid}.${sealed.slice(0, 20)}`, now)).toEqual({ ok: false, error: 'bad_signature' });
    const other = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: key('k1') });
    expect(other.verify(token, now)).toEqual({ ok: false, error: 'bad_signature' });
    expect(SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: key('k9') }).verify(token, now)).toEqual({ ok: false, error: 'unknown_key' });
    expect(keys.verify('v1.k1.abc', now)).toEqual({ ok: false, error: 'malformed' });
    expect(keys.verify(`${token}x`, now)).toEqual({ ok: false, error: 'bad_signature' });
  });

  it('one link has one spelling: a last character whose unused bits differ is refused, not read as the same bytes', () => {
    // base64url's last character of a length not a multiple of 3 carries bits no byte uses; a
    // decoder drops them, so up to 16 strings would open one link (outside check of 2026-12-05).
    const { token } = [1, 2, 3].map((n) => keys.mint({ ...grant, requester: `req-${'1'.repeat(n)}` })).find((minted) => minted.token.split('.')[2].length % 4 !== 0)!;
    const last = token.slice(-1);
    const opening = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].filter((c) => keys.verify(`${token.slice(0, -1)}${c}`, now).ok);
    expect(opening).toEqual([last]);
  });

  it('after rotation, links signed with the old key still open and new ones use the new key', () => {
    const oldKey = key('old');
    const before = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: oldKey }).mint(grant).token;
    const rotated = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: `${key('new')},${oldKey}` });
    expect(rotated.verify(before, now).ok).toBe(true);
    expect(rotated.mint(grant).token.split('.')[1]).toBe('new');
  });

  it('spaces around a comma are allowed, as TSS_MASTER_KEYS allows them (outside check of 2026-12-05, seventh session)', () => {
    const oldKey = key('s1');
    const before = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: oldKey }).mint(grant).token;
    const setting = `${key('s2')} , ${oldKey}`;
    expect(Value.Check(SiteLinkEnv.TSS_SITE_LINK_KEYS, setting)).toBe(true);
    expect(SiteLinkKeys.problems({ TSS_SITE_LINK_KEYS: setting })).toEqual([]);
    const rotated = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: setting });
    expect(rotated.verify(before, now).ok).toBe(true);
    expect(rotated.mint(grant).token.split('.')[1]).toBe('s2');
  });

  it('short keys and repeated ids are configuration problems; no keys is an ephemeral key', () => {
    expect(SiteLinkKeys.problems({ TSS_SITE_LINK_KEYS: `a:${randomBytes(16).toString('base64')}AAAAAAAAAAAAAAAAAAAA` })).toEqual([expect.stringContaining('at least 32')]);
    expect(SiteLinkKeys.problems({ TSS_SITE_LINK_KEYS: `${key('a')},${key('b')},${key('a')}` })).toEqual(['TSS_SITE_LINK_KEYS: key id a appears twice']);
    expect(SiteLinkKeys.fromSettings({}).ephemeral).toBe(true);
    expect(keys.ephemeral).toBe(false);
    expect(siteLinkUrl({ TSS_PUBLIC_URL: 'https://help.example.com' }, 'tok')).toBe('https://help.example.com/support/t/tok');
  });
});

describe('site links without configured keys', () => {
  it('every part of one process shares the key it made at start', () => {
    const { token } = SiteLinkKeys.fromSettings({}).mint(grant);
    expect(SiteLinkKeys.fromSettings({}).verify(token, now).ok).toBe(true);
  });
});
