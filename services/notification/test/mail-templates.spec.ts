import { withoutAccessParticulars } from '@tss/service-kit';
import { acknowledgmentMail } from '../src/domain/acknowledgment-mail';
import { escalationNoticeMail } from '../src/domain/escalation-notice';
import { htmlWithoutAccessParticulars } from '../src/domain/mail-template';
import { autoSubmittedOf, classifySendFailure, displayNameOf, domainOf, mailRetryDelayMs, MAIL_MAX_ATTEMPTS, threadHeadersOf } from '../src/domain/mail-delivery';
import { REQUESTER_MAIL_KINDS, STAFF_MAIL_KINDS } from '../src/store/mail.store';
import { agentReplyMail, attachmentsRefusedMail, closedOutOfScopeMail, credentialsAfterResolutionMail, informationRequestedMail, ratingInvitationMail, reopenedMail, resolvedMail } from '../src/domain/mail-templates';

const en = { reference: 'TSS-K7QM2-ZC4XD', subject: 'Reader <crashes> & burns', language: 'en' as const };
const ru = { ...en, language: 'ru' as const };
const windowEnds = new Date('2026-03-16T09:00:00.000Z');

describe('mail templates (issue #11)', () => {
  it('P8: refused attachments are named with their reasons and how to send them, in the requester’s language, text and HTML alike', () => {
    const files = [
      { fileName: 'screen.bmp', reason: 'bare_bmp' as const },
      { fileName: '<shot>.png', reason: 'too_many_files' as const, maxFiles: 20 },
    ];
    const english = attachmentsRefusedMail(en, files);
    expect(english.subject).toBe('[TSS-K7QM2-ZC4XD] Attachments not accepted: Reader <crashes> & burns');
    expect(english.text).toContain('- screen.bmp: a BMP image is accepted only inside a ZIP or RAR archive\n- <shot>.png: a mail brings at most 20 files');
    expect(english.html).toContain('<li>&lt;shot&gt;.png: a mail brings at most 20 files</li>');
    expect(english.text).toContain('reply to this message');
    const russian = attachmentsRefusedMail(ru, files);
    expect(russian.subject).toContain('Вложения не приняты');
    expect(russian.text).toContain('- screen.bmp: изображение BMP принимается только внутри архива ZIP или RAR');
    expect(russian.text).toContain('ответьте на это письмо');
  });

  it('P8: the refusal mail names the size limits the event says the files were held to, in the units sizes are written in', () => {
    const files = [{ fileName: 'capture-full.png', reason: 'file_too_large' as const, maxFileBytes: 10 * 1_048_576 }];
    const limits = { maxFileBytes: 10 * 1_048_576, maxMessageBytes: 25 * 1_048_576 };
    const english = attachmentsRefusedMail(en, files, limits);
    expect(english.text).toContain('- capture-full.png: the file is larger than 10 MB, the most one file may be');
    expect(english.text).toContain('Each file may be up to 10 MB, and all the files of one mail together up to 25 MB.');
    expect(english.html).toContain('Each file may be up to 10 MB, and all the files of one mail together up to 25 MB.');
    const russian = attachmentsRefusedMail(ru, files, limits);
    expect(russian.text).toContain('- capture-full.png: файл больше 10 МБ, а один файл может быть не больше 10 МБ');
    expect(russian.text).toContain('Каждый файл может быть не больше 10 МБ, а все файлы одного письма вместе — не больше 25 МБ.');
    // An older intake's event names no limits: the mail states none.
    expect(attachmentsRefusedMail(en, files).text).not.toContain('Each file may be up to');
  });

  it('P9: particulars handed over after resolution: the deadline, rounded up to the minute, and to change them now, in the requester’s language', () => {
    const destroyAfter = new Date('2026-03-04T08:59:30.000Z');
    const english = credentialsAfterResolutionMail(en, destroyAfter);
    expect(english.subject).toBe('[TSS-K7QM2-ZC4XD] Change your access particulars: Reader <crashes> & burns');
    expect(english.text).toContain(
      'Access particulars were handed over for your request TSS-K7QM2-ZC4XD after it was resolved. They will be destroyed by 2026-03-04 09:00 UTC. Please change those passwords now.',
    );
    expect(credentialsAfterResolutionMail(ru, destroyAfter).text).toContain('Они будут уничтожены не позднее 2026-03-04 09:00 UTC. Пожалуйста, смените эти пароли сейчас.');
  });

  // An outside tester: «Чтобы ответить, ответьте на это письмо» in every agent-reply and
  // information-requested mail; and «данные для доступа (1)»: a count in brackets (sixth session).
  it('RU wording: the reply hint reads naturally, and the vault notice counts no particulars in brackets', () => {
    for (const russian of [agentReplyMail(ru, 'Здравствуйте'), informationRequestedMail(ru, 'insufficient_information'), reopenedMail(ru)]) {
      expect(russian.text).toContain('Ответьте на это письмо, чтобы продолжить переписку; номер в теме письма сохраняйте.');
      expect(russian.text).not.toContain('Чтобы ответить, ответьте');
    }
    expect(acknowledgmentMail(ru, [], undefined, { credentialsVaulted: 1 }).text).toContain('Ваше обращение содержало данные для доступа. Мы перенесли их');
    expect(acknowledgmentMail(en, [], undefined, { credentialsVaulted: 2 }).text).toContain('Your request contained access particulars. We moved them');
  });

  it('P3: the subject leads with the reference in brackets, in both languages', () => {
    expect(acknowledgmentMail(en, []).subject).toBe('[TSS-K7QM2-ZC4XD] Request received: Reader <crashes> & burns');
    expect(acknowledgmentMail(ru, []).subject).toBe('[TSS-K7QM2-ZC4XD] Обращение принято: Reader <crashes> & burns');
  });

  // An outside tester: a Russian mail "Не могу войти, пароль: Секрет-123" was acknowledged, and every
  // later mail of it sent, under "[credentials stored securely: TSS vault #…]", in English, while the
  // site showed the description's mark in Russian (docs/adr/0026, addendum of 2026-12-05, sixth session).
  it('P9: a subject\'s vault mark is in the reader\'s words, as the site shows the description\'s, in every mail, EN and RU', () => {
    const marked = { ...ru, subject: 'Не могу войти, [credentials stored securely: TSS vault #b8b2c8c8]' };
    const mark = '[данные для доступа перенесены в защищённое хранилище: TSS #b8b2c8c8]';
    expect(acknowledgmentMail(marked, []).subject).toBe(`[TSS-K7QM2-ZC4XD] Обращение принято: Не могу войти, ${mark}`);
    expect(acknowledgmentMail(marked, []).html).toContain(`<title dir="auto">[TSS-K7QM2-ZC4XD] Обращение принято: Не могу войти, ${mark}</title>`);
    expect(agentReplyMail(marked, 'Здравствуйте').subject).toBe(`[TSS-K7QM2-ZC4XD] Новый ответ: Не могу войти, ${mark}`);
    expect(resolvedMail(marked, { credentialsHeld: true, reopenWindowEndsAt: windowEnds }).subject).not.toContain('credentials stored securely');
    const english = { ...en, subject: 'Cannot log in, [credentials stored securely: TSS vault #b8b2c8c8]' };
    expect(acknowledgmentMail(english, []).subject).toBe('[TSS-K7QM2-ZC4XD] Request received: Cannot log in, [access particulars moved to our secure vault: TSS #b8b2c8c8]');
  });

  it('P9: an agent\'s reply and question show their vault marks in the reader\'s words, as the site does', () => {
    const body = 'Вход: [credentials stored securely: TSS vault #1a2b3c4d]';
    expect(agentReplyMail(ru, body).text).toContain('Вход: [данные для доступа перенесены в защищённое хранилище: TSS #1a2b3c4d]');
    expect(informationRequestedMail(en, 'insufficient_information', `Is ${body} still valid?`).text).toContain('[access particulars moved to our secure vault: TSS #1a2b3c4d]');
  });

  it('P2: the acknowledgment lists what is missing in text and HTML, and nothing when nothing is', () => {
    const mail = acknowledgmentMail(ru, ['browser', 'operatingSystemVersion']);
    expect(mail.text).toContain('- используемый браузер\n- версию операционной системы');
    expect(mail.html).toContain('<ul><li>используемый браузер</li><li>версию операционной системы</li></ul>');
    expect(acknowledgmentMail(en, []).text).not.toContain('please tell us');
  });

  // An outside tester: a mail with no text was acknowledged "Request received: (empty message)", asking for
  // the product and the environment but never for what the problem is (docs/adr/0035, fifth session).
  it('P2: a request mailed with no text is asked for its description, in both languages; with no subject either, the subject names none', () => {
    const details = ['product', 'productVersion', 'description', 'stepsToReproduce'];
    expect(acknowledgmentMail(en, details).text).toContain(
      '- the product (Aggregion Platform, Reader or Player)\n- the product version\n- a description of the problem: what happens, and what you expected instead\n- the steps that lead to the problem',
    );
    expect(acknowledgmentMail(ru, details).html).toContain('<li>описание проблемы: что происходит и чего вы ожидали</li>');
    expect(acknowledgmentMail({ ...en, subject: '' }, details).subject).toBe('[TSS-K7QM2-ZC4XD] Request received');
    expect(acknowledgmentMail({ ...ru, subject: ' ' }, details).subject).toBe('[TSS-K7QM2-ZC4XD] Обращение принято');
  });

  it('P5: the acknowledgment states the level and the rules\' maximum response time, and whether the level is confirmed', () => {
    expect(acknowledgmentMail(en, [], { level: 'emergency', confirmed: true }).text).toContain(
      'Service level: emergency. At this level the support rules allow at most 6 hours for our response.',
    );
    expect(acknowledgmentMail(en, [], { level: 'development', confirmed: true }).text).toContain('at most 7 days');
    expect(acknowledgmentMail(en, [], { level: 'consulting', confirmed: false, requested: true }).html).toContain(
      '<p>Service level: general consulting (as requested; support confirms it). At this level the support rules allow at most 24 hours for our response.</p>',
    );
    expect(acknowledgmentMail(en, [], { level: 'standard', confirmed: false, requested: false }).text).toContain('Service level: standard (set by default; support confirms it). At this level');
    expect(acknowledgmentMail(ru, [], { level: 'standard', confirmed: false, requested: false }).text).toContain('Уровень обслуживания: стандартный (по умолчанию; специалист его подтвердит).');
    expect(acknowledgmentMail(ru, [], { level: 'consulting', confirmed: false, requested: true }).text).toContain('общие консультации (как указано в обращении; специалист его подтвердит).');
    // An event from an intake older than `levelRequested` says neither.
    expect(acknowledgmentMail(en, [], { level: 'standard', confirmed: false }).text).toContain('Service level: standard (support confirms it).');
    expect(acknowledgmentMail(ru, [], { level: 'standard', confirmed: true }).text).toContain('Уровень обслуживания: стандартный. Максимальный срок ответа на этом уровне по правилам поддержки — 12 часов.');
    expect(acknowledgmentMail(ru, [], { level: 'consulting', confirmed: true }).text).toContain('поддержки — 24 часа.');
    expect(acknowledgmentMail(en, []).text).not.toContain('Service level');
  });

  // An outside test: a follow-up filed by a reply to a closed ticket was acknowledged with nothing
  // saying what it continues (docs/adr/0035, addendum of 2026-12-04, sixth session).
  it('P11: a follow-up’s acknowledgment says which earlier request it follows up, in the requester’s language', () => {
    expect(acknowledgmentMail(en, [], undefined, { followsUpReference: 'TSS-00AB1-00CD2' }).text).toContain('This request follows up the earlier request TSS-00AB1-00CD2.');
    expect(acknowledgmentMail(ru, [], undefined, { followsUpReference: 'TSS-00AB1-00CD2' }).html).toContain('<p>Это обращение продолжает прежнее обращение TSS-00AB1-00CD2.</p>');
    expect(acknowledgmentMail(en, []).text).not.toContain('follows up');
  });

  it('HTML bodies escape what the requester or agent wrote', () => {
    const mail = agentReplyMail(en, 'Use <script>alert(1)</script> & "quotes"');
    expect(mail.html).toContain('Use &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(mail.text).toContain('Use <script>alert(1)</script> & "quotes"');
  });

  // An outside test: a 49,997-character reply was mailed as its first 20,000, ending mid-word, with no word of the rest.
  it('an agent reply the event carries cut says the rest is on the thread, in both languages; a whole one says nothing of it', () => {
    const cut = agentReplyMail(en, 'The first part of a long answer', true);
    expect(cut.text).toContain('The first part of a long answer');
    expect(cut.text).toContain('This reply is longer than a mail carries: the rest of it is in the request’s thread on the support site.');
    expect(agentReplyMail(ru, 'Начало длинного ответа', true).html).toContain('Ответ длиннее, чем помещается в письмо');
    expect(agentReplyMail(en, 'A whole answer').text).not.toContain('longer than a mail carries');
  });

  // An outside tester (a support agent's day): a reply with an uploaded "Ошибка экрана.png" was
  // mailed as text alone, and the requester never learnt a file came with the answer
  // (docs/adr/0035, addendum of 2026-12-05, fifth session).
  describe('P8: an agent reply with files lists each, with its download on the support site', () => {
    const siteUrl = 'https://help.tss.test/support/t/v1.tok.sig';
    const files = [
      { id: '0b7c3c36-1f0e-4a57-9a55-5b4f0c1e2d3a', fileName: 'Ошибка экрана.png', size: 250_000 },
      { id: '1c8d4d47-2a1f-4b68-8b66-6c5a1d2f3e4b', fileName: '<b>notes</b> & "logs".png', size: 3_500_000 },
      { id: '2d9e5e58-3b2a-4c79-9c77-7d6b2e3a4f5c', fileName: '[credentials stored securely: TSS vault #1a2b3c4d].png', size: 70 },
    ];
    const download = (i: number) => `${siteUrl}/attachments/${files[i].id}`;

    it('in English: name and size, each linked to its download, in text and HTML; names escaped in HTML, a masked name as masked', () => {
      const mail = agentReplyMail({ ...en, siteUrl }, 'See the annotated screenshot.', false, files);
      expect(mail.text).toContain(
        [
          'See the annotated screenshot.',
          '',
          'Attached to this reply (download on the support site):',
          '',
          `- Ошибка экрана.png (244 KB): ${download(0)}`,
          `- <b>notes</b> & "logs".png (3.3 MB): ${download(1)}`,
          `- [credentials stored securely: TSS vault #1a2b3c4d].png (1 KB): ${download(2)}`,
        ].join('\n'),
      );
      expect(mail.html).toContain('<p>Attached to this reply (download on the support site):</p>');
      expect(mail.html).toContain(
        `<ul><li><a href="${download(0)}" dir="auto">Ошибка экрана.png</a> (244 KB)</li>` +
          `<li><a href="${download(1)}" dir="auto">&lt;b&gt;notes&lt;/b&gt; &amp; &quot;logs&quot;.png</a> (3.3 MB)</li>` +
          `<li><a href="${download(2)}" dir="auto">[credentials stored securely: TSS vault #1a2b3c4d].png</a> (1 KB)</li></ul>`,
      );
      expect(mail.html).not.toContain('<b>notes</b>');
      // The request's page, where every file of the thread is, still closes the mail.
      expect(mail.text).toContain(`Open the request: ${siteUrl}\n`);
    });

    it('in Russian, sizes written the Russian way', () => {
      const mail = agentReplyMail({ ...ru, siteUrl }, 'Смотрите снимок экрана.', false, files.slice(0, 2));
      expect(mail.text).toContain(`К ответу приложено (скачать можно на сайте поддержки):\n\n- Ошибка экрана.png (244 КБ): ${download(0)}\n- <b>notes</b> & "logs".png (3,3 МБ): ${download(1)}`);
      expect(mail.html).toContain(`<a href="${download(0)}" dir="auto">Ошибка экрана.png</a> (244 КБ)`);
      expect(mail.text).not.toMatch(/Attached|KB|MB/);
    });

    it('a reply whose text the event did not carry still lists its files; a mail without a site link names them without links', () => {
      expect(agentReplyMail({ ...en, siteUrl }, undefined, false, files.slice(0, 1)).text).toContain(`- Ошибка экрана.png (244 KB): ${download(0)}`);
      const unlinked = agentReplyMail(en, 'See the screenshot.', false, files.slice(0, 1));
      expect(unlinked.text).toContain('Attached to this reply:\n\n- Ошибка экрана.png (244 KB)\n');
      expect(unlinked.html).toContain('<ul><li><span dir="auto">Ошибка экрана.png</span> (244 KB)</li></ul>');
      expect(unlinked.html).not.toContain('/attachments/');
    });

    it('a reply without files says nothing of them', () => {
      for (const mail of [agentReplyMail({ ...en, siteUrl }, 'Done.'), agentReplyMail({ ...en, siteUrl }, 'Done.', false, [])]) expect(mail.text).not.toContain('Attached');
    });
  });

  it('an agent reply without its text in the event says where to read it', () => {
    expect(agentReplyMail(en, undefined).text).toContain('The reply is in the request\'s thread on the support site.');
    expect(agentReplyMail(ru, undefined).subject).toContain('Новый ответ');
  });

  // An outside test: "by 2026-12-18" while the window ended 2026-12-18T17:49:50Z; a reply later that day filed a follow-up.
  it('P11: the resolved mail gives the reopen deadline to the minute in UTC, rounded down, in both languages', () => {
    const endsAt = new Date('2026-12-18T17:49:50.000Z');
    expect(resolvedMail(en, { credentialsHeld: false, reopenWindowEndsAt: endsAt }).text).toContain('reply to this message by 2026-12-18 17:49 UTC and the request reopens');
    expect(resolvedMail(ru, { credentialsHeld: false, reopenWindowEndsAt: endsAt }).text).toContain('ответьте на это письмо до 2026-12-18 17:49 UTC,');
    expect(resolvedMail(en, { credentialsHeld: false, reopenWindowEndsAt: endsAt }).html).toContain('by 2026-12-18 17:49 UTC');
  });

  it('P10: an information request says what is needed, by wait reason', () => {
    expect(informationRequestedMail(en, 'malware').text).toContain('infected with malware');
    expect(informationRequestedMail(ru, 'cannot_reproduce').text).toContain('не удалось воспроизвести');
    expect(informationRequestedMail(en, undefined).text).toContain('We need more information');
  });

  // An outside test: the agent's note ("Please send a screenshot …") never reached the requester.
  it('P10: an information request carries the agent\'s note, what is asked, in text and HTML, escaped, links live, EN and RU', () => {
    const question = 'Please send a screenshot of the <error> dialog, see https://docs.example.com/screens';
    const english = informationRequestedMail(en, 'insufficient_information', question);
    expect(english.text).toContain(question);
    expect(english.html).toContain('<p dir="auto">Please send a screenshot of the &lt;error&gt; dialog, see <a href="https://docs.example.com/screens" rel="noopener noreferrer nofollow">https://docs.example.com/screens</a></p>');
    const russian = informationRequestedMail(ru, 'insufficient_information', 'Пришлите снимок экрана');
    expect(russian.text).toContain('Пришлите снимок экрана');
    expect(russian.html).toContain('<p dir="auto">Пришлите снимок экрана</p>');
    expect(informationRequestedMail(en, 'malware').text).not.toContain('undefined');
  });

  it('P11/P9: the resolved mail carries the rating link and, when credentials were held, the request to change them', () => {
    const mail = resolvedMail(en, { rateUrl: 'https://support.example/rate/1?a=1&b=2', credentialsHeld: true, reopenWindowEndsAt: windowEnds });
    expect(mail.text).toContain('https://support.example/rate/1?a=1&b=2');
    expect(mail.html).toContain('href="https://support.example/rate/1?a=1&amp;b=2"');
    expect(mail.text).toContain('please change that password');
    expect(mail.text).toContain('by 2026-03-16 09:00 UTC');
    const plain = resolvedMail(ru, { credentialsHeld: false, reopenWindowEndsAt: windowEnds });
    expect(plain.text).not.toContain('пароль');
    expect(plain.text).not.toContain('оцените');
    expect(ratingInvitationMail(ru, 'https://r.example/x').text).toContain('https://r.example/x');
    expect(reopenedMail(ru).subject).toContain('Обращение открыто снова');
  });

  it('P6/P9: an out-of-scope closure names the reason and the third party in the catalogue’s words; only out-of-scope reasons get one', () => {
    const mail = closedOutOfScopeMail(en, { reason: 'malware_removal', thirdParty: 'security_software_vendor', credentialsHeld: true });
    expect(mail?.subject).toBe('[TSS-K7QM2-ZC4XD] Closed: outside technical support: Reader <crashes> & burns');
    expect(mail?.text).toContain("Reason: Malware removal from client's device won't work.");
    expect(mail?.text).toContain('Please turn to: The vendor of your security (antivirus) software.');
    expect(mail?.text).toContain('please change that password');
    expect(mail?.html).toContain('client&#39;s device');
    const russian = closedOutOfScopeMail(ru, { reason: 'server_or_proxy_connectivity', credentialsHeld: false });
    expect(russian?.text).toContain('Причина: Проблемы подключения к серверу');
    expect(russian?.text).not.toContain('обратитесь');
    expect(russian?.text).not.toContain('пароль');
    expect(closedOutOfScopeMail(en, { reason: 'reopen_window_ended', credentialsHeld: false })).toBeUndefined();
    expect(closedOutOfScopeMail(en, { reason: 'closed_by_support', credentialsHeld: true })).toBeUndefined();
  });

  it('a 5xx about the message is permanent, anything else is retried; the backoff grows and the attempts are bounded', () => {
    expect(classifySendFailure({ responseCode: 550, command: 'RCPT TO', errorCode: 'EENVELOPE', reason: 'no such user' })).toEqual({ kind: 'permanent', reason: 'no such user' });
    expect(classifySendFailure({ responseCode: 451, reason: 'later' }).kind).toBe('transient');
    expect(classifySendFailure({ errorCode: 'ESOCKET', command: 'CONN', reason: 'ECONNREFUSED' }).kind).toBe('transient');
    const delays = Array.from({ length: MAIL_MAX_ATTEMPTS + 2 }, (_, i) => mailRetryDelayMs(i + 1));
    expect(delays[0]).toBe(60_000);
    expect(delays.every((d, i) => i === 0 || d >= delays[i - 1])).toBe(true);
    expect(domainOf('TSS Support <support@Example.COM>')).toBe('example.com');
    expect(domainOf('bare@host.example')).toBe('host.example');
  });
});

describe('RFC 3834: which mail is auto-generated (docs/mail.md, sixth session)', () => {
  it('every kind is, but the agent’s reply, which carries a person’s words', () => {
    const kinds = [...REQUESTER_MAIL_KINDS, ...STAFF_MAIL_KINDS];
    expect(Object.fromEntries(kinds.map((kind) => [kind, autoSubmittedOf(kind)]))).toEqual({
      acknowledgment: 'auto-generated',
      agent_reply: undefined,
      attachments_refused: 'auto-generated',
      information_requested: 'auto-generated',
      resolved: 'auto-generated',
      rating_invitation: 'auto-generated',
      reopened: 'auto-generated',
      closed_out_of_scope: 'auto-generated',
      credentials_vaulted: 'auto-generated',
      credentials_after_resolution: 'auto-generated',
      escalation_notice: 'auto-generated',
      webhook_endpoint_disabled: 'auto-generated',
    });
  });
});

describe('RFC 5322: the requester’s name as To’s display name (sixth session)', () => {
  it('is one line of at most 200 characters, or none', () => {
    expect(displayNameOf('Jürgen Größe-Ünal 王')).toBe('Jürgen Größe-Ünal 王');
    expect(displayNameOf(' Ann\r\nBcc: x@evil.example\u2028\u0085 ')).toBe('Ann Bcc: x@evil.example');
    expect(displayNameOf(`${'王'.repeat(300)}`)).toBe('王'.repeat(200));
    expect(displayNameOf('\t \u0000')).toBeUndefined();
    expect(displayNameOf(undefined)).toBeUndefined();
    expect(displayNameOf(null)).toBeUndefined();
  });
});

describe('P12: the support-site link in every mail to a requester', () => {
  const siteUrl = 'https://help.tss.test/support/t/v1.k1.payload.mac';
  const linked = { ...en, siteUrl };
  const all = [
    acknowledgmentMail(linked, []),
    acknowledgmentMail({ ...linked, language: 'ru' }, ['browser']),
    agentReplyMail(linked, 'Done.'),
    informationRequestedMail(linked, 'malware'),
    resolvedMail(linked, { credentialsHeld: false, reopenWindowEndsAt: windowEnds }),
    ratingInvitationMail(linked, 'https://help.tss.test/rate/x'),
    reopenedMail({ ...linked, language: 'ru' }),
  ];

  it('each template carries it in text and HTML, before the signature', () => {
    for (const mail of all) {
      expect(mail.text).toContain(`: ${siteUrl}\n`);
      expect(mail.html).toContain(`<a href="${siteUrl}">`);
      expect(mail.text.indexOf(siteUrl)).toBeLessThan(mail.text.search(/Technical support|Техническая поддержка\n$/));
    }
  });

  it('a mail without a link says nothing of the site', () => {
    expect(acknowledgmentMail(en, []).text).not.toContain('support site');
  });
});

describe('P9: a mail kept before its text was masked (htmlWithoutAccessParticulars)', () => {
  const notice = (quote: string) =>
    escalationNoticeMail({ escalationId: 'e-1', kind: 'low_rating', attempt: 0, reference: 'TSS-AAAAA-BBBBB', ticketId: 't-1', targetRole: 'team_leader', quote, ticketUrl: 'https://tss.example/t', escalationUrl: 'https://tss.example/e' }, 'en');
  const ctx = { reference: 'TSS-AAAAA-BBBBB', subject: 'Reader', language: 'en' as const };

  it.each([
    ['a quote', 'Still broken. password: Hunter2!x'],
    ['a value with characters HTML escapes', `password: Pa&s"s<1>'x`],
  ])('masking the HTML of %s gives the HTML of the masked text', (_case, quote) => {
    const masked = notice(withoutAccessParticulars(quote));
    expect(masked.html).not.toBe(notice(quote).html);
    expect(htmlWithoutAccessParticulars(notice(quote).html)).toBe(masked.html);
    expect(withoutAccessParticulars(notice(quote).text)).toBe(masked.text);
  });

  it('an answer’s paragraph is masked as its text is, a login and password on two lines as one; links and tags stay', () => {
    const withSite = { ...ctx, siteUrl: 'https://tss.example/site/t?x=1&y=2' };
    const answer = 'Try these.\nlogin: support\npassword: Adm1n#2026\nThanks';
    expect(withoutAccessParticulars(answer)).toBe('Try these.\n[access particulars removed]\nThanks');
    expect(htmlWithoutAccessParticulars(agentReplyMail(withSite, answer).html)).toBe(agentReplyMail(withSite, withoutAccessParticulars(answer)).html);
  });

  it('HTML without particulars is returned as it was', () => {
    const clean = agentReplyMail(ctx, 'The forgot password page works again.').html;
    expect(htmlWithoutAccessParticulars(clean)).toBe(clean);
  });
});

describe('threading headers (RFC 5322 §3.6.4)', () => {
  const standIn = `<sha256.${'0f'.repeat(32)}@inbound.tss>`;

  it('never name our stand-in for a missing Message-ID, in a mail kept before the rule or after it', () => {
    expect(threadHeadersOf(standIn, null)).toEqual({});
    expect(threadHeadersOf('<ack@tss.test>', standIn)).toEqual({ inReplyTo: '<ack@tss.test>', references: ['<ack@tss.test>'] });
    expect(threadHeadersOf('<ack@tss.test>', '<own@client.example>')).toEqual({ inReplyTo: '<ack@tss.test>', references: ['<own@client.example>', '<ack@tss.test>'] });
    expect(threadHeadersOf(null, null)).toEqual({});
  });
});
