import { holdsLinkSecrets, withoutLinkSecrets, withoutLinkSecretsIn } from '../src/link-secrets';

const RATE_TOKEN = 'XRK99y-6eNcInEqHbwD4ikoSjnBCmEAAjbxJeh9wxaQ';

describe('link credentials withheld from staff readers (docs/adr/0040 addendum, fifth session)', () => {
  it('every string of a view, however deep, has its link credentials withheld; numbers, booleans and other strings stay', () => {
    const view = { id: 't-1', version: 3, owed: true, request: { description: `see /rate/${RATE_TOKEN}` }, items: [{ body: `/support/t/${RATE_TOKEN}.x` }, 'plain'] };
    expect(withoutLinkSecretsIn(view)).toEqual({ id: 't-1', version: 3, owed: true, request: { description: 'see /rate/[withheld]' }, items: [{ body: '/support/t/[withheld]' }, 'plain'] });
    expect(view.request.description).toContain(RATE_TOKEN); // the view given is left as it was
    expect(withoutLinkSecrets('no link here')).toBe('no link here');
  });

  // A re-test (2026-12-05, fifth session): the outbox showed every attachment link of a reply as the same `/support/t/[withheld]`.
  it('only the credential is withheld: the path after it, a query and a fragment stay', () => {
    const file = '99ade3d9-0c1e-4f5a-8b7d-2a3b4c5d6e7f';
    expect(withoutLinkSecrets(`- big.png (264 KB): http://x/support/t/v2.k1.${RATE_TOKEN}/attachments/${file}`)).toBe(`- big.png (264 KB): http://x/support/t/[withheld]/attachments/${file}`);
    expect(withoutLinkSecrets(`<a href="https://x/rate/${RATE_TOKEN}?score=5#form">rate</a>`)).toBe('<a href="https://x/rate/[withheld]?score=5#form">rate</a>');
  });

  it('tells whether a view holds a link credential, however deep, so its staff representation differs (docs/adr/0069)', () => {
    expect(holdsLinkSecrets({ ticket: { request: { steps: [`open http://x/rate/${RATE_TOKEN}`] } } })).toBe(true);
    expect(holdsLinkSecrets(['see https://tss.example/support/t/v1.abc.def'])).toBe(true);
    expect(holdsLinkSecrets({ text: 'http://x/rate/[withheld] and /support/ only', at: new Date(0), n: 3, ok: true, none: null })).toBe(true);
    expect(holdsLinkSecrets({ text: 'no link here', path: '/rate', list: ['/support/t'] })).toBe(false);
    // The same answer twice: the pattern keeps no state between calls.
    expect([holdsLinkSecrets(`/rate/${RATE_TOKEN}`), holdsLinkSecrets(`/rate/${RATE_TOKEN}`)]).toEqual([true, true]);
  });
});
