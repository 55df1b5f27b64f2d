import { escalationNoticeMail, noticeRecipients, type StaffContact } from '../src/domain/escalation-notice';
import { endpointDisabledMail } from '../src/domain/webhook-disabled-mail';

const staff = (staffId: string, email: string | null, active = true): StaffContact => ({ staffId, email, displayName: null, active });

describe('P7: whom an escalation notice goes to', () => {
  const directory = [staff('a', 'Lead@Support.example'), staff('b', null), staff('c', 'gone@support.example', false), staff('d', 'lead@support.example')];

  it('each targeted, active member with an address, once per address; the others are named as unreachable', () => {
    expect(noticeRecipients(['a', 'b', 'c', 'd', 'a', 'x'], directory, 'leads@support.example')).toEqual({
      addresses: ['lead@support.example'],
      unreachable: ['b', 'c', 'x'],
      fallbackUsed: false,
    });
  });

  it('nobody reachable, or nobody named: the fallback, else nobody', () => {
    expect(noticeRecipients(['b', 'c'], directory, 'leads@support.example')).toEqual({ addresses: ['leads@support.example'], unreachable: ['b', 'c'], fallbackUsed: true });
    expect(noticeRecipients(undefined, directory, 'leads@support.example').addresses).toEqual(['leads@support.example']);
    expect(noticeRecipients([], directory, undefined)).toEqual({ addresses: [], unreachable: [], fallbackUsed: false });
  });
});

describe('escalation notice and disabled-endpoint mail', () => {
  const notice = {
    escalationId: 'e1',
    kind: 'sla_overdue' as const,
    level: 2,
    attempt: 0,
    ticketId: 't1',
    targetRole: 'head_of_support',
    quote: '<b>help</b>',
    ticketUrl: 'https://tss.example/v1/tickets/t1',
    escalationUrl: 'https://tss.example/v1/escalations/e1',
  };

  it('without a known reference the subject names the ticket id; a reminder says which; HTML escapes the quote', () => {
    expect(escalationNoticeMail(notice).subject).toBe('[t1] Escalation: Still no response, long after the deadline');
    expect(escalationNoticeMail({ ...notice, reference: 'TSS-K7QM2-ZC4XD', attempt: 3 }).subject).toBe('[TSS-K7QM2-ZC4XD] Reminder 3: Escalation: Still no response, long after the deadline');
    const mail = escalationNoticeMail(notice);
    expect(mail.text).toContain('- Escalation: level 2 (head of support)');
    expect(mail.html).toContain('&gt; &lt;b&gt;help&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>help</b>');
  });

  it('a referral\'s notice links the referral (no escalation record to acknowledge: docs/adr/0039); an escalation\'s links the escalation', () => {
    const referralUrl = 'https://tss.example/v1/tickets/t1/referrals/e1';
    for (const kind of ['development', 'quality'] as const) {
      const mail = escalationNoticeMail({ ...notice, kind, level: undefined, targetRole: kind === 'development' ? 'developer' : 'quality', escalationUrl: referralUrl });
      expect(mail.html).toContain(`href="${referralUrl}"`);
      expect(mail.text).toContain('The referral');
      expect(mail.text).not.toContain('acknowledge it there');
    }
    expect(escalationNoticeMail(notice).text).toContain('The escalation (acknowledge it there)');
  });

  it('the notice quotes what the requester wrote with their rating and site links withheld (docs/adr/0040)', () => {
    const mail = escalationNoticeMail({ ...notice, quote: 'see https://tss.example/rate/rt_Secret and https://tss.example/support/t/v1.abc.def' });
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('https://tss.example/rate/[withheld]');
      expect(body).toContain('https://tss.example/support/t/[withheld]');
      expect(body).not.toContain('rt_Secret');
    }
  });

  it('the disabled endpoint mail names it, why, and the calls to enable and replay', () => {
    const mail = endpointDisabledMail({
      endpointId: 'w1',
      url: 'https://hooks.partner.example/tss',
      description: '',
      failingSince: new Date('2026-03-01T00:00:00.000Z'),
      disabledAt: new Date('2026-03-06T00:00:01.000Z'),
      reason: 'HTTP 503',
      publicUrl: 'https://tss.example',
    });
    expect(mail.subject).toBe('TSS webhook endpoint disabled: https://hooks.partner.example/tss');
    expect(mail.text).not.toContain('Description:');
    expect(mail.text).toContain('- PATCH https://tss.example/v1/webhooks/endpoints/w1 with {"enabled": true}');
    expect(mail.text).toContain('- POST https://tss.example/v1/webhooks/endpoints/w1/replay with {"since": "2026-03-01T00:00:00.000Z"}');
  });
});
