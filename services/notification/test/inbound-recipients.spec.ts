import { inboundRecipientDomains, isOurRecipient } from '../src/domain/inbound-recipients';

describe('the inbound SMTP listener’s own domains (INBOUND_SMTP_DOMAINS)', () => {
  it('are the listed domains, lower-cased and without blanks; unset or empty, the domain of MAIL_FROM', () => {
    expect(inboundRecipientDomains(' Help.Example.com , tss.test,,', 'tss.local')).toEqual(['help.example.com', 'tss.test']);
    expect(inboundRecipientDomains(undefined, 'TSS.local')).toEqual(['tss.local']);
    expect(inboundRecipientDomains(' ', 'tss.local')).toEqual(['tss.local']);
  });

  it('take a recipient of one of them in any case, and nothing else (not a subdomain, not a look-alike)', () => {
    const domains = ['tss.test'];
    expect(isOurRecipient('Support@TSS.Test', domains)).toBe(true);
    for (const other of ['victim@gmail.com', 'a@mail.tss.test', 'a@tss.test.evil.example', 'a@eviltss.test', 'postmaster']) expect(isOurRecipient(other, domains)).toBe(false);
  });
});
