import { renderBlocks } from '../src/domain/mail-template';
import { withoutLinkSecrets } from '@tss/service-kit';

const RATE_TOKEN = 'XRK99y-6eNcInEqHbwD4ikoSjnBCmEAAjbxJeh9wxaQ';
const SITE_TOKEN = 'v1.k1.eyJsIjoiNmVmYyIsInIiOiJjdXN0LWFubiJ9.tGGp_xzYCs_BG5rLaQ5KVUUTCFzK4kZWESpvLbi5VWw';

describe('the mail outbox withholds link credentials (docs/adr/0040 addendum, fifth session)', () => {
  const mail = renderBlocks('[TSS-K7QM2-ZC4XD] Resolved: Reader', [
    { paragraph: 'Your request TSS-K7QM2-ZC4XD is resolved.' },
    { link: { text: 'Rate the support', href: `https://help.example/rate/${RATE_TOKEN}` } },
    { link: { text: 'Open the request', href: `https://help.example/support/t/${SITE_TOKEN}` } },
  ], 'en');

  it('the rating and site tokens are withheld in the plain and HTML bodies; the addresses and the words stay', () => {
    const text = withoutLinkSecrets(mail.text);
    const html = withoutLinkSecrets(mail.html);
    for (const shown of [text, html]) {
      expect(shown).not.toContain(RATE_TOKEN);
      expect(shown).not.toContain(SITE_TOKEN);
      expect(shown).toContain('Your request TSS-K7QM2-ZC4XD is resolved.');
    }
    expect(text).toContain('Rate the support: https://help.example/rate/[withheld]\n');
    expect(text).toContain('Open the request: https://help.example/support/t/[withheld]\n');
    expect(html).toContain('<a href="https://help.example/rate/[withheld]">Rate the support</a>');
    expect(html).toContain('<a href="https://help.example/support/t/[withheld]">Open the request</a>');
  });

  it('a link pasted into a reply, on any host, ends at white space, a quote or an angle bracket', () => {
    expect(withoutLinkSecrets(`see <http://127.0.0.1:8080/rate/${RATE_TOKEN}> or '/support/t/${SITE_TOKEN}'.`)).toBe("see <http://127.0.0.1:8080/rate/[withheld]> or '/support/t/[withheld]'.");
    expect(withoutLinkSecrets('rate/abc and /support/x/abc and /rate/ alone')).toBe('rate/abc and /support/x/abc and /rate/ alone');
  });
});
