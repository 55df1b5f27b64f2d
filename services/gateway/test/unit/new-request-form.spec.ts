import { checkNewRequest, readNewRequestValues } from '../../src/domain/new-request-form';
import { siteClientId, sitePartnerOf } from '../../src/domain/site-client';

describe('the new-request form (P2)', () => {
  it('P2: product, version and description are required; the rest is optional', () => {
    expect(checkNewRequest({})).toEqual({
      ok: false,
      error: [
        { field: 'product', problem: 'missing' },
        { field: 'productVersion', problem: 'missing' },
        { field: 'description', problem: 'missing' },
      ],
    });
    expect(checkNewRequest({ product: 'reader', productVersion: '4.2', description: 'Crash' })).toEqual({ ok: true, value: { product: 'reader', productVersion: '4.2', description: 'Crash' } });
  });

  it('P1: the product comes from the catalogue', () => {
    expect(checkNewRequest({ product: 'toaster', productVersion: '1', description: 'x' })).toEqual({ ok: false, error: [{ field: 'product', problem: 'invalid' }] });
  });

  it('refuses over-long fields and malformed addresses, and keeps the requester’s details', () => {
    const long = 'x'.repeat(201);
    expect(checkNewRequest({ product: 'player', productVersion: '1', description: 'd', browser: long, email: 'nope' })).toEqual({
      ok: false,
      error: [
        { field: 'browser', problem: 'too_long', maxLength: 200 },
        { field: 'email', problem: 'invalid' },
      ],
    });
    expect(checkNewRequest({ product: 'player', productVersion: '1', description: 'd', email: 'a@example.com', name: 'Ann', antivirus: 'none' })).toEqual({
      ok: true,
      value: { product: 'player', productVersion: '1', description: 'd', antivirus: 'none', requester: { email: 'a@example.com', name: 'Ann' } },
    });
  });

  it('reads only the form’s own fields, trimmed, empty ones as absent', () => {
    expect(readNewRequestValues({ product: ' reader ', description: '  ', _csrf: 'x', other: 'y', browser: 3 })).toEqual({ product: 'reader' });
  });
});

describe('the site client', () => {
  it('names a partner, and only a well-formed one', () => {
    const partnerId = '3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6f';
    expect(sitePartnerOf(siteClientId(partnerId))).toBe(partnerId);
    expect(sitePartnerOf('pc_abc')).toBeUndefined();
    expect(sitePartnerOf(`site:${partnerId}x`)).toBeUndefined();
  });
});
