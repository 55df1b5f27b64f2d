import { EscalationKinds } from '@tss/contracts';
import { escalationNoticeMail, noticeRecipients, type StaffContact } from '../src/domain/escalation-notice';
import { endpointDisabledMail } from '../src/domain/webhook-disabled-mail';

const staff = (staffId: string, email: string | null, active = true, language: StaffContact['language'] = 'en'): StaffContact => ({ staffId, email, displayName: null, language, active });

describe('P7: whom an escalation notice goes to', () => {
  const directory = [staff('a', 'Lead@Support.example'), staff('b', null), staff('c', 'gone@support.example', false), staff('d', 'lead@support.example', true, 'ru'), staff('r', 'ru@support.example', true, 'ru')];

  it('each targeted, active member with an address, once per address, in their language; the others are named as unreachable', () => {
    expect(noticeRecipients(['a', 'b', 'c', 'd', 'a', 'x', 'r'], directory, 'leads@support.example')).toEqual({
      recipients: [
        { address: 'lead@support.example', language: 'en' },
        { address: 'ru@support.example', language: 'ru' },
      ],
      unreachable: ['b', 'c', 'x'],
      fallbackUsed: false,
    });
  });

  it('nobody reachable, or nobody named: the fallback in English, else nobody', () => {
    expect(noticeRecipients(['b', 'c'], directory, 'leads@support.example')).toEqual({ recipients: [{ address: 'leads@support.example', language: 'en' }], unreachable: ['b', 'c'], fallbackUsed: true });
    expect(noticeRecipients(undefined, directory, 'leads@support.example').recipients).toEqual([{ address: 'leads@support.example', language: 'en' }]);
    expect(noticeRecipients([], directory, undefined)).toEqual({ recipients: [], unreachable: [], fallbackUsed: false });
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
    expect(escalationNoticeMail(notice, 'en').subject).toBe('[t1] Escalation: Still no response, long after the deadline');
    expect(escalationNoticeMail({ ...notice, reference: 'TSS-K7QM2-ZC4XD', attempt: 3 }, 'en').subject).toBe('[TSS-K7QM2-ZC4XD] Reminder 3: Escalation: Still no response, long after the deadline');
    const mail = escalationNoticeMail(notice, 'en');
    expect(mail.text).toContain('- Escalation: level 2 (head of support)');
    expect(mail.html).toContain('&gt; &lt;b&gt;help&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>help</b>');
  });

  it('a referral\'s notice links the referral (no escalation record to acknowledge: docs/adr/0039); an escalation\'s links the escalation', () => {
    const referralUrl = 'https://tss.example/v1/tickets/t1/referrals/e1';
    for (const kind of ['development', 'quality'] as const) {
      const mail = escalationNoticeMail({ ...notice, kind, level: undefined, targetRole: kind === 'development' ? 'developer' : 'quality', escalationUrl: referralUrl }, 'en');
      expect(mail.html).toContain(`href="${referralUrl}"`);
      expect(mail.text).toContain('The referral');
      expect(mail.text).not.toContain('acknowledge it there');
    }
    expect(escalationNoticeMail(notice, 'en').text).toContain('The escalation (acknowledge it there)');
  });

  it('the notice quotes what the requester wrote with their rating and site links withheld (docs/adr/0040)', () => {
    const mail = escalationNoticeMail({ ...notice, quote: 'see https://tss.example/rate/rt_Secret and https://tss.example/support/t/v1.abc.def' }, 'en');
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
    }, 'en');
    expect(mail.subject).toBe('TSS webhook endpoint disabled: https://hooks.partner.example/tss');
    expect(mail.text).not.toContain('Description:');
    expect(mail.text).toContain('- PATCH https://tss.example/v1/webhooks/endpoints/w1 with {"enabled": true}');
    expect(mail.text).toContain('- POST https://tss.example/v1/webhooks/endpoints/w1/replay with {"since": "2026-03-01T00:00:00.000Z"}');
  });

  // docs/adr/0042, addendum of 2026-12-05, fourth session: a staff member reads their mail in their language.
  it('in Russian: every cause, the level, who is called in, a reminder and the links, with no English words of ours left', () => {
    for (const kind of EscalationKinds) {
      const mail = escalationNoticeMail({ ...notice, kind, reference: 'TSS-K7QM2-ZC4XD', attempt: 2 }, 'ru');
      expect([kind, mail.subject]).toEqual([kind, expect.stringMatching(/^\[TSS-K7QM2-ZC4XD\] Напоминание 2: Эскалация: [а-яё]/)]);
      expect([kind, mail.text]).toEqual([kind, expect.stringMatching(/^[А-ЯЁ][^\n]*TSS-K7QM2-ZC4XD[^\n]*\.\n/)]);
      expect([kind, mail.text]).toEqual([kind, expect.stringContaining(`- Код причины: ${kind}\n`)]);
      const ourWords = mail.text.replace(/https:\/\/\S+/g, ''); // the links' paths are the API's
      expect([kind, ourWords]).toEqual([kind, expect.not.stringMatching(/Escalation|Reminder|Cause|Called in|Ticket|ticket|The |acknowledge|deadline|requester/)]);
      expect(mail.html).toMatch(/^<!doctype html>\n<html lang="ru">/);
    }
    const mail = escalationNoticeMail({ ...notice, attempt: 1 }, 'ru');
    expect(mail.subject).toBe('[t1] Напоминание 1: Эскалация: ответа всё ещё нет, срок давно истёк');
    expect(mail.text).toContain('По обращению t1 всё ещё нет ответа, хотя срок давно истёк.');
    expect(mail.text).toContain('- Эскалация: уровень 2 (руководитель службы поддержки)');
    expect(mail.text).toContain('- Кто привлечён: руководитель службы поддержки (head_of_support)');
    expect(mail.text).toContain('- Эскалацию ещё никто не принял в работу; это напоминание 1.');
    expect(mail.text).toContain('Что было написано:\n\n> <b>help</b>');
    expect(mail.text).toContain('Обращение: https://tss.example/v1/tickets/t1');
    expect(mail.text).toContain('Эскалация (примите её в работу там): https://tss.example/v1/escalations/e1');
    const referral = escalationNoticeMail({ ...notice, kind: 'development', level: undefined, targetRole: 'developer', escalationUrl: 'https://tss.example/v1/tickets/t1/referrals/e1' }, 'ru');
    expect(referral.text).toContain('- Кто привлечён: отдел разработки (developer)');
    expect(referral.text).toContain('Передача в отдел: https://tss.example/v1/tickets/t1/referrals/e1');
    // A role the words do not know is named by its code.
    expect(escalationNoticeMail({ ...notice, targetRole: 'night_shift' }, 'ru').text).toContain('- Кто привлечён: night_shift\n');
  });

  // An outside tester (a support agent's day): a developer reading Russian got the referral notice
  // «Эскалация: передано в отдел разработки» with "Referred to development: EPUB parser crash, needs a
  // fix" in English in its body: escalation's summary, shown as written. Every line of ours is in the
  // reader's language; what staff wrote (the reason) stays as written (docs/adr/0042, addendum of
  // 2026-12-05, fifth session).
  describe('what set the escalation off, in the reader’s language', () => {
    const cases = [
      {
        kind: 'development' as const,
        summary: 'Referred to development: EPUB parser crash, needs a fix',
        summaryFacts: { on: 'ticket.referral_applied', referredTo: 'development' as const, reason: 'EPUB parser crash, needs a fix' },
        ru: 'Передано в отдел разработки: EPUB parser crash, needs a fix',
      },
      {
        kind: 'quality' as const,
        summary: 'Referred to quality: Проверьте первый ответ.',
        summaryFacts: { on: 'ticket.referral_applied', referredTo: 'quality' as const, reason: 'Проверьте первый ответ.' },
        ru: 'Передано в отдел качества: Проверьте первый ответ.',
      },
      {
        kind: 'sla_warning' as const,
        summary: 'TSS-K7QM2-ZC4XD: The standard response clock passed 90 % of its target',
        summaryFacts: { on: 'sla.warning', clockLevel: 'standard' as const, thresholdPercent: 90 },
        ru: 'Прошло 90 % срока ответа (уровень обслуживания: стандартный)',
      },
      {
        kind: 'sla_breach' as const,
        summary: 'TSS-K7QM2-ZC4XD: The maximum response time passed with no response',
        summaryFacts: { on: 'sla.breached' },
        ru: 'Максимальное время ответа истекло, а ответа нет',
      },
      {
        kind: 'team_leader' as const,
        summary: 'TSS-K7QM2-ZC4XD: The requester asked for the team leader',
        summaryFacts: { on: 'ticket.team_leader_requested' },
        ru: 'Автор обращения просит подключить руководителя группы поддержки',
      },
    ];

    it.each(cases)('$kind: in Russian the line is Russian, the reason as written; in English as escalation words it', ({ kind, summary, summaryFacts, ru }) => {
      const raised = { ...notice, kind, reference: 'TSS-K7QM2-ZC4XD', summary, summaryFacts };
      const russian = escalationNoticeMail(raised, 'ru');
      expect(russian.text).toContain(`\n\n${ru}\n\n`);
      expect(russian.html).toContain(`<p dir="auto">${ru}</p>`);
      const ourWords = russian.text.replace(/https:\/\/\S+/g, '').replace('EPUB parser crash, needs a fix', '').replace(/^> .*$/gm, '');
      expect(ourWords).not.toMatch(/Referred|response|requester|team leader|TSS-K7QM2-ZC4XD: /);
      // English names the cause as the escalation service summed it up, without repeating the reference the first line gives.
      expect(escalationNoticeMail(raised, 'en').text).toContain(`\n\n${summary.replace('TSS-K7QM2-ZC4XD: ', '')}\n\n`);
    });

    it('an escalation from an older release (a summary, no facts) shows its summary as written, in either language', () => {
      const older = { ...notice, kind: 'sla_breach' as const, summary: 'TSS-K7QM2-ZC4XD: The maximum response time passed with no response' };
      expect(escalationNoticeMail(older, 'ru').text).toContain('TSS-K7QM2-ZC4XD: The maximum response time passed with no response');
      expect(escalationNoticeMail({ ...older, summaryFacts: { on: 'sla.some_future_event' } }, 'ru').text).toContain('TSS-K7QM2-ZC4XD: The maximum response time passed with no response');
    });
  });

  it('the disabled endpoint mail in Russian', () => {
    const mail = endpointDisabledMail(
      {
        endpointId: 'w1',
        url: 'https://hooks.partner.example/tss',
        description: 'Зеркало',
        failingSince: new Date('2026-03-01T00:00:00.000Z'),
        disabledAt: new Date('2026-03-06T00:00:01.000Z'),
        reason: 'HTTP 503',
        publicUrl: 'https://tss.example',
      },
      'ru',
    );
    expect(mail.subject).toBe('TSS: приём веб-хуков отключён: https://hooks.partner.example/tss');
    expect(mail.text).toContain('- Адрес приёма: w1\n- URL: https://hooks.partner.example/tss\n- Описание: Зеркало\n- Ошибки начались: 2026-03-01T00:00:00.000Z\n- Последняя ошибка: HTTP 503');
    expect(mail.text).toContain('- POST https://tss.example/v1/webhooks/endpoints/w1/replay с телом {"since": "2026-03-01T00:00:00.000Z"} — получить пропущенные события');
    expect(mail.text).toContain('Журнал доставок: https://tss.example/v1/webhooks/endpoints/w1/deliveries');
    expect(mail.html).toMatch(/^<!doctype html>\n<html lang="ru">/);
  });
});
