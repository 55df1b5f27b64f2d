import { forgedSenderReason, parseAuthenticationResults } from '../src/domain/inbound-authentication';

const headers = (value?: string) => new Map(value === undefined ? [] : [['authentication-results', value]]);

describe('Authentication-Results of the trusted receiving server (RFC 8601)', () => {
  it('reads the authserv-id and each method’s result, without comments or properties', () => {
    const parsed = parseAuthenticationResults('MX.tss.example 1; spf=fail (sender not allowed) smtp.mailfrom=evil.example; dkim=none; dmarc=FAIL header.from=a-books.example');
    expect(parsed.authservId).toBe('mx.tss.example');
    expect(Object.fromEntries(parsed.results)).toEqual({ spf: 'fail', dkim: 'none', dmarc: 'fail' });
  });

  it.each([
    ['mx.tss.example; spf=fail smtp.mailfrom=evil.example; dkim=none; dmarc=fail header.from=a-books.example', 'DMARC failed'],
    ['mx.tss.example; spf=fail smtp.mailfrom=evil.example; dkim=none', 'SPF failed and no DKIM signature passed'],
  ])('refuses a forged From by the trusted server’s verdict: %s', (value, reason) => {
    expect(forgedSenderReason(headers(value), 'mx.tss.example')).toContain(reason);
  });

  it.each([
    ['a pass', 'mx.tss.example; spf=pass smtp.mailfrom=a-books.example; dkim=pass; dmarc=pass'],
    ['SPF failed but DKIM passed (a forwarded mail)', 'mx.tss.example; spf=fail smtp.mailfrom=list.example; dkim=pass header.d=a-books.example'],
    ['DMARC passed although SPF failed', 'mx.tss.example; spf=fail; dkim=pass; dmarc=pass'],
    ['another server’s header (anyone can write one)', 'evil.example; dmarc=fail'],
  ])('believes the From with %s', (_case, value) => {
    expect(forgedSenderReason(headers(value), 'mx.tss.example')).toBeUndefined();
  });

  it('judges nothing without a configured server or without its header', () => {
    expect(forgedSenderReason(headers('mx.tss.example; dmarc=fail'), undefined)).toBeUndefined();
    expect(forgedSenderReason(headers(), 'mx.tss.example')).toBeUndefined();
  });
});
