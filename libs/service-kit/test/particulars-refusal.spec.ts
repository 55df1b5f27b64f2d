import { refusedAccessParticulars } from '../src/particulars-refusal';

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): names and descriptions set through the API.
describe('refusedAccessParticulars: names and descriptions hold no access particulars', () => {
  it.each([
    ['/description', 'Alerts; password: RT5-WD-pw6#'],
    ['/name', 'Other Co password: RT5-PN-pw7#'],
    ['/displayName', 'Bob login: bob password: RT5-SN-pw8#'],
    ['/name', 'Acme API key: sk_live_abcdef1234567890XYZ'],
    ['/description', 'Mirror https://admin:Hunter2x@hooks.example/'],
  ])('%s %j is a 400 naming the field, never repeating the text', (pointer, text) => {
    const refused = refusedAccessParticulars([{ pointer, text }]);
    expect(refused).toEqual({
      kind: 'validation',
      detail: expect.stringMatching(/no access particulars here/),
      extensions: { errors: [{ in: 'body', pointer, message: expect.stringMatching(/must not hold access particulars/) }] },
    });
    expect(JSON.stringify(refused)).not.toContain(text);
  });

  it.each(['Keyword Ltd', 'Token Books', 'Passwort GmbH', 'password reset events', 'Password Reset Team', 'Login Ltd', 'API Key Books', 'Pass Labs', 'Other Co [access particulars removed]'])(
    '%j is a name, not particulars',
    (text) => {
      expect(refusedAccessParticulars([{ pointer: '/name', text }])).toBeUndefined();
    },
  );

  it('names each field at fault, and skips those not given', () => {
    const refused = refusedAccessParticulars([
      { pointer: '/name', text: 'Acme pwd=Ab1!xyz' },
      { pointer: '/displayName', text: undefined },
      { pointer: '/description', text: null },
      { pointer: '/label', text: 'Token Books' },
      { pointer: '/title', text: 'Billing password: Qwerty12' },
    ]);
    expect(refused?.extensions?.errors).toEqual([expect.objectContaining({ pointer: '/name' }), expect.objectContaining({ pointer: '/title' })]);
    expect(refused?.detail).toMatch(/^name, title: /);
  });
});
