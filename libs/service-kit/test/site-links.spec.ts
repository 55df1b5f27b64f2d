import { randomBytes } from 'node:crypto';
import { SiteLinkKeys, siteLinkUrl } from '../src';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const now = new Date('2026-12-02T10:00:00Z');
const grant = { ticketId: '9b1d3c52-4a3e-4f62-8d39-0a5c2a7f7a11', partnerId: '0f8fad5b-d9cb-469f-a165-70867728950e', requester: 'req-1', language: 'ru', expiresAt: new Date('2026-12-16T10:00:00Z') };

describe('site links (P12)', () => {
  const keys = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: key('k1') });

  it('a minted link verifies to its grant until it expires', () => {
    const { token, grant: minted } = keys.mint(grant);
    const verified = keys.verify(token, now);
    expect(verified).toEqual({ ok: true, value: { ...grant, linkId: minted.linkId, expiresAt: new Date('2026-12-16T10:00:00Z') } });
    expect(keys.verify(token, new Date('2026-12-16T10:00:00Z'))).toEqual({ ok: false, error: 'expired' });
  });

  it('readSigned gives an expired link’s grant (its language for the refusal page), never a forged link’s', () => {
    const { token, grant: minted } = keys.mint(grant);
    expect(keys.readSigned(token)).toEqual({ ok: true, value: { ...grant, linkId: minted.linkId } });
    const [v, kid, payload] = token.split('.');
    expect(keys.readSigned([v, kid, payload, 'A'.repeat(43)].join('.'))).toEqual({ ok: false, error: 'bad_signature' });
    expect(SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: key('k1') }).readSigned(token)).toEqual({ ok: false, error: 'bad_signature' });
  });

  it('a link minted through the API names its minter, signed; the mail links name none (docs/adr/0037, fifth session)', () => {
    const { token, grant: minted } = keys.mint({ ...grant, mintedBy: { kind: 'staff', id: 'sc_agent:1' } });
    expect(keys.verify(token, now)).toEqual({ ok: true, value: { ...grant, linkId: minted.linkId, mintedBy: { kind: 'staff', id: 'sc_agent:1' } } });
    expect(keys.verify(keys.mint(grant).token, now)).toEqual({ ok: true, value: expect.not.objectContaining({ mintedBy: expect.anything() }) });
  });

  it('a changed payload, a foreign key or a mangled token is refused', () => {
    const { token } = keys.mint(grant);
    const [v, kid, payload, mac] = token.split('.');
    const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('req-1', 'req-2')).toString('base64url');
    expect(keys.verify([v, kid, forged, mac].join('.'), now)).toEqual({ ok: false, error: 'bad_signature' });
    const other = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: key('k1') });
    expect(other.verify(token, now)).toEqual({ ok: false, error: 'bad_signature' });
    expect(SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: key('k9') }).verify(token, now)).toEqual({ ok: false, error: 'unknown_key' });
    expect(keys.verify('v1.k1.abc', now)).toEqual({ ok: false, error: 'malformed' });
    expect(keys.verify(`${token}x`, now)).toEqual({ ok: false, error: 'bad_signature' });
  });

  it('after rotation, links signed with the old key still open and new ones use the new key', () => {
    const oldKey = key('old');
    const before = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: oldKey }).mint(grant).token;
    const rotated = SiteLinkKeys.fromSettings({ TSS_SITE_LINK_KEYS: `${key('new')},${oldKey}` });
    expect(rotated.verify(before, now).ok).toBe(true);
    expect(rotated.mint(grant).token.split('.')[1]).toBe('new');
  });

  it('short keys and repeated ids are configuration problems; no keys is an ephemeral key', () => {
    expect(SiteLinkKeys.problems({ TSS_SITE_LINK_KEYS: `a:${randomBytes(16).toString('base64')}AAAAAAAAAAAAAAAAAAAA` })).toEqual([expect.stringContaining('at least 32')]);
    expect(SiteLinkKeys.problems({ TSS_SITE_LINK_KEYS: `${key('a')},${key('a')}` })).toEqual(['TSS_SITE_LINK_KEYS: a key id is repeated']);
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
