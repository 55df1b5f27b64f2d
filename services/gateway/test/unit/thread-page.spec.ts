import { renderThreadPage } from '../../src/http/support-site/thread.page';
import type { SiteMessageView, TicketPage } from '../../src/use-cases/site-ticket';

const pageWith = (items: SiteMessageView[]): TicketPage => ({
  ticket: { id: 't1', reference: 'TSS-00000-00000', status: 'open', level: 'standard', subject: 'Reader crashes', receivedAt: '2026-06-01T09:00:00.000Z' },
  thread: { reference: 'TSS-00000-00000', request: { subject: 'Reader crashes', description: 'It crashes.', receivedAt: '2026-06-01T09:00:00.000Z' }, items },
  attachments: new Map(),
  followUps: [],
});
const message = (id: string, author: SiteMessageView['author'], body: string): SiteMessageView => ({ id, author, visibility: 'public', body, attachmentIds: [], createdAt: '2026-06-01T10:00:00.000Z' });
const render = (language: 'en' | 'ru', items: SiteMessageView[]) =>
  renderThreadPage({ language, stylesheetHref: '/s.css', basePath: '/support/t/x', page: pageWith(items), csrf: { reply: 'a', reopen: 'b', rate: 'c' } });
const metaOf = (html: string, id: string) => new RegExp(`id="m-${id}">\\s*<p class="message-meta"><strong[^>]*>([^<]*)</strong>`).exec(html)?.[1];

describe('the support site thread: who wrote each message (P8)', () => {
  it('mail from another address is shown with that address, not as the requester’s own ("You")', () => {
    const html = render('en', [message('m1', { kind: 'requester' }, 'Mine.'), message('m2', { kind: 'email_sender', name: 'mallory@attacker.test' }, 'Not mine.')]);
    expect(metaOf(html, 'm1')).toBe('You');
    expect(metaOf(html, 'm2')).toBe('mallory@attacker.test, by e-mail');
    expect(metaOf(render('ru', [message('m2', { kind: 'email_sender', name: 'mallory@attacker.test' }, 'x')]), 'm2')).toBe('mallory@attacker.test, по электронной почте');
  });
});

describe('the support site reply form: the attachment limits are told before sending (P8)', () => {
  const limits = { maxFileBytes: 5 * 1_048_576, maxMessageBytes: 12 * 1_048_576 + 524_288 };
  const hintOf = (language: 'en' | 'ru') =>
    renderThreadPage({ language, stylesheetHref: '/s.css', basePath: '/support/t/x', page: pageWith([]), csrf: { reply: 'a', reopen: 'b', rate: 'c' }, attachmentLimits: limits });

  it('the file field’s hint names the types, then the configured per-file and per-reply limits, EN and RU', () => {
    expect(hintOf('en')).toContain('JPG, GIF or PNG images; BMP only inside ZIP or RAR archives. Each file up to 5 MB; all the files of one reply together up to 12.5 MB.');
    expect(hintOf('ru')).toContain('Изображения JPG, GIF или PNG; BMP только в архивах ZIP или RAR. Каждый файл — не больше 5 МБ; все файлы одного ответа вместе — не больше 12,5 МБ.');
  });
});

describe('the support site thread: right-to-left text (Arabic) reads in its own direction', () => {
  const arabic = 'التطبيق يتعطل عند الفتح';
  const items = [message('m1', { kind: 'agent', name: 'سارة' }, 'نعمل على ذلك'), { ...message('m2', { kind: 'requester' }, 'شكرا'), attachmentIds: ['a1'] }];
  const page: TicketPage = {
    ...pageWith(items),
    ticket: { ...pageWith(items).ticket, subject: arabic },
    thread: { reference: 'TSS-00000-00000', request: { subject: arabic, description: 'وصف المشكلة', stepsToReproduce: 'افتح الملف', receivedAt: '2026-06-01T09:00:00.000Z' }, items },
    attachments: new Map([['a1', { id: 'a1', fileName: 'لقطة.png', size: 2048, messageId: 'm2' }]]),
  };
  const html = renderThreadPage({ language: 'en', stylesheetHref: '/s.css', basePath: '/support/t/x', page, csrf: { reply: 'a', reopen: 'b', rate: 'c' }, replyText: 'مسودة' });

  it('every element holding what a requester or agent wrote has dir="auto": subject, request, messages, author, file name, reply box', () => {
    expect(html).toContain(`<dd dir="auto">${arabic}</dd>`);
    expect(html).toContain('<p class="message-body" dir="auto">وصف المشكلة</p>');
    expect(html).toContain('<p class="message-body" dir="auto">افتح الملف</p>');
    expect(html).toContain('<p class="message-body" dir="auto">نعمل على ذلك</p>');
    expect(html).toContain('<strong dir="auto">سارة</strong>');
    expect(html).toContain('<a href="/support/t/x/attachments/a1" download dir="auto">لقطة.png</a>');
    expect(html).toMatch(/<textarea id="text" name="text"[^>]* dir="auto"[^>]*>مسودة<\/textarea>/);
  });
});

describe('the support site ticket page: what support asked while the ticket waits on the requester (P10, P12)', () => {
  const waiting = (awaiting: TicketPage['ticket']['awaiting'], status: TicketPage['ticket']['status'] = 'awaiting_customer'): TicketPage => ({
    ...pageWith([]),
    ticket: { ...pageWith([]).ticket, status, awaiting },
  });
  const renderPage = (page: TicketPage, language: 'en' | 'ru' = 'en') => renderThreadPage({ language, stylesheetHref: '/s.css', basePath: '/support/t/x', page, csrf: { reply: 'a', reopen: 'b', rate: 'c' } });
  const section = (html: string) => /<section class="awaiting" aria-labelledby="awaiting-heading">([\s\S]*?)<\/section>/.exec(html)?.[1];

  it('labels the question, escapes it, keeps its direction (dir="auto") and links its web addresses, after the reason in the page’s words', () => {
    const shown = section(renderPage(waiting({ reason: 'insufficient_information', question: 'أرسل لقطة <script>x</script> https://docs.example.com/a' })));
    expect(shown).toContain('<h2 id="awaiting-heading">Support needs more information</h2>');
    expect(shown).toContain('<p>We need more information to continue.</p>');
    expect(shown).toContain('<p class="message-body question" dir="auto">أرسل لقطة &lt;script&gt;x&lt;/script&gt; <a href="https://docs.example.com/a"');
    expect(shown).toContain('<a href="#reply-heading">Answer with the reply form below</a>');
  });

  it('a wait that asked nothing beyond its reason shows the reason alone; no wait, no section', () => {
    const shown = section(renderPage(waiting({ reason: 'question_unclear' }), 'ru'));
    expect(shown).toContain('<h2 id="awaiting-heading">Поддержке нужна дополнительная информация</h2>');
    expect(shown).toContain('<p>Мы не поняли вопрос. Сформулируйте его, пожалуйста, иначе.</p>');
    expect(shown).not.toContain('question');
    expect(section(renderPage(waiting(undefined)))).toBeUndefined();
    // Intake says `awaiting` only while the ticket waits; the page holds to the status whatever it is sent.
    expect(section(renderPage(waiting({ reason: 'malware', question: 'Stale?' }, 'open')))).toBeUndefined();
  });
});

describe('the support site ticket page: the rating of a resolution (P11, docs/adr/0040 seventh session)', () => {
  const withRating = (rating: TicketPage['rating'], status: TicketPage['ticket']['status'] = 'resolved'): TicketPage => ({
    ...pageWith([]),
    ticket: { ...pageWith([]).ticket, status },
    ...(rating ? { rating } : {}),
  });
  const renderWith = (page: TicketPage, extra: Partial<Parameters<typeof renderThreadPage>[0]> = {}) =>
    renderThreadPage({ language: 'en', stylesheetHref: '/s.css', basePath: '/support/t/x', page, csrf: { reply: 'a', reopen: 'b', rate: 'c' }, ...extra });
  const section = (html: string) => /<section class="rating" aria-labelledby="rating-heading">([\s\S]*?)<\/section>/.exec(html)?.[1];

  it('an open survey of a resolved or closed ticket is the rate page’s form, posting to the link’s /rate with its own CSRF token', () => {
    for (const status of ['resolved', 'closed'] as const) {
      const shown = section(renderWith(withRating({ state: 'open' }, status)));
      expect(shown).toMatch(/<form method="post" action="\/support\/t\/x\/rate" novalidate aria-label="Rate the support you received">\s*<input type="hidden" name="_csrf" value="c">/);
      expect(shown).toContain('<legend>How would you rate our support? <span class="hint-inline">(required)</span></legend>');
      expect(shown).toContain('<legend>Was your problem solved? <span class="hint-inline">(required)</span></legend>');
      expect(shown).toContain('<label for="comment">Comment <span class="hint-inline">(optional)</span></label>');
    }
  });

  it('the form again after a refusal keeps what was chosen, with each problem beside its field', () => {
    const html = renderWith(withRating({ state: 'open' }), {
      rateForm: { values: { solved: false, comment: 'Typed' }, errors: [{ field: 'score', problem: 'missing' }] },
      errors: [{ fieldId: 'score-0', message: 'Choose a rating from 1 to 5' }],
    });
    expect(html).toContain('<li><a href="#score-0">Choose a rating from 1 to 5</a></li>');
    expect(html).toContain('<span class="field-error" id="score-error">Choose a rating from 1 to 5</span>');
    expect(html).toContain('<input type="radio" id="solved-1" name="solved" value="no" checked>');
    expect(html).toMatch(/<textarea id="comment"[^>]*>Typed<\/textarea>/);
  });

  it('a rated survey shows what was given, no form; a staff member’s link shows no form; no survey, or a past one, shows nothing', () => {
    const given = section(renderWith(withRating({ state: 'rated', rating: { score: 2, solved: false, comment: 'شكرا <b>' } })));
    expect(given).toContain('<h2 id="rating-heading">Your rating</h2>');
    expect(given).toContain('<dt>How would you rate our support?</dt><dd>2, poor</dd>');
    expect(given).toContain('<dt>Was your problem solved?</dt><dd>No, it is not solved</dd>');
    expect(given).toContain('<dd dir="auto">شكرا &lt;b&gt;</dd>');
    expect(given).not.toContain('<form');
    const staff = section(renderWith(withRating({ state: 'open' }), { mintedByStaff: true }));
    expect(staff).toContain('made by our support staff');
    expect(staff).not.toContain('<form');
    for (const state of ['expired', 'withdrawn', 'superseded'] as const) expect(section(renderWith(withRating({ state })))).toBeUndefined();
    expect(section(renderWith(withRating(undefined)))).toBeUndefined();
    // Reopened since (rating not told yet): the ticket is not resolved, so there is nothing to rate.
    expect(section(renderWith(withRating({ state: 'open' }, 'open')))).toBeUndefined();
  });
});

// An outside tester (sixth session): a request mailed with no description showed an empty paragraph
// under "Your description of the problem", and nothing said what to do (docs/adr/0035, addendum of
// 2026-12-05, sixth session).
describe('the support site ticket page: a request with no description (P2)', () => {
  const undescribed = (status: TicketPage['ticket']['status'] = 'new'): TicketPage => ({
    ...pageWith([]),
    ticket: { ...pageWith([]).ticket, status },
    thread: { ...pageWith([]).thread, request: { subject: 'Reader crashes', description: '', receivedAt: '2026-06-01T09:00:00.000Z' } },
  });
  const renderFor = (page: TicketPage, language: 'en' | 'ru') => renderThreadPage({ language, stylesheetHref: '/s.css', basePath: '/support/t/x', page, csrf: { reply: 'a', reopen: 'b', rate: 'c' } });
  const underHeading = (html: string, heading: string) => new RegExp(`<h2>${heading}</h2>\\s*(<p[^>]*>[\\s\\S]*?</p>)`).exec(html)?.[1];

  it('says the description is missing and that a reply adds it, in the page’s language; no empty paragraph', () => {
    const en = renderFor(undescribed(), 'en');
    expect(en).not.toContain('<p class="message-body" dir="auto"></p>');
    expect(underHeading(en, 'Your description of the problem')).toBe(
      '<p class="description-missing">You have not described the problem yet. Tell us what happens, and what you expected instead: <a href="#reply-heading">reply below</a> or to our e-mail, and your reply becomes the description.</p>',
    );
    const ru = renderFor(undescribed(), 'ru');
    expect(ru).not.toContain('<p class="message-body" dir="auto"></p>');
    expect(underHeading(ru, 'Ваше описание проблемы')).toBe(
      '<p class="description-missing">Вы ещё не описали проблему. Расскажите, что происходит и чего вы ожидали: <a href="#reply-heading">ответьте ниже</a> или на наше письмо, и ваш ответ станет описанием.</p>',
    );
  });

  it('a closed request takes no replies: the page says only that no description was given', () => {
    expect(underHeading(renderFor(undescribed('closed'), 'en'), 'Your description of the problem')).toBe('<p class="description-missing">No description of the problem was given.</p>');
    expect(underHeading(renderFor(undescribed('closed'), 'ru'), 'Ваше описание проблемы')).toBe('<p class="description-missing">Описание проблемы не было дано.</p>');
  });

  it('a described request shows its description as before', () => {
    expect(renderFor(pageWith([]), 'en')).toContain('<p class="message-body" dir="auto">It crashes.</p>');
  });
});

// The reply mails give a file's size in the reader's units ("244 КБ", "3,3 МБ"); the Russian page said "KB"/"MB".
describe('the support site ticket page: file sizes in the page’s language', () => {
  const withFiles: TicketPage = {
    ...pageWith([{ ...message('m1', { kind: 'requester' }, 'Screenshots.'), attachmentIds: ['a1', 'a2'] }]),
    attachments: new Map([
      ['a1', { id: 'a1', fileName: 'small.png', size: 249_856, messageId: 'm1' }],
      ['a2', { id: 'a2', fileName: 'big.png', size: 3_460_300, messageId: 'm1' }],
    ]),
  };
  const renderIn = (language: 'en' | 'ru') => renderThreadPage({ language, stylesheetHref: '/s.css', basePath: '/support/t/x', page: withFiles, csrf: { reply: 'a', reopen: 'b', rate: 'c' } });

  it('Russian pages read КБ and МБ, with a decimal comma; English pages KB and MB', () => {
    const ru = renderIn('ru');
    expect(ru).toContain('small.png</a> (244 КБ)');
    expect(ru).toContain('big.png</a> (3,3 МБ)');
    expect(ru).not.toMatch(/\((\d+ KB|[\d.]+ MB)\)/);
    const en = renderIn('en');
    expect(en).toContain('small.png</a> (244 KB)');
    expect(en).toContain('big.png</a> (3.3 MB)');
  });
});

// An outside tester: the Russian page showed «Тема: Не могу войти, [credentials stored securely: TSS
// vault #…]» above the description's mark in Russian; the English page two wordings for one mark.
describe('the support site ticket page: vault marks in the subject (P9)', () => {
  const marked = (subject: string): TicketPage => ({ ...pageWith([]), ticket: { ...pageWith([]).ticket, subject } });
  const subjectOf = (html: string) => /<dd dir="auto">([^<]*)<\/dd>/.exec(html)?.[1];
  const renderPage = (page: TicketPage, language: 'en' | 'ru') => renderThreadPage({ language, stylesheetHref: '/s.css', basePath: '/support/t/x', page, csrf: { reply: 'a', reopen: 'b', rate: 'c' } });

  it('shows the subject\'s mark in the page\'s words, as the description\'s, in Russian and English', () => {
    const page = marked('Не могу войти, [credentials stored securely: TSS vault #b8b2c8c8]');
    expect(subjectOf(renderPage(page, 'ru'))).toBe('Не могу войти, [данные для доступа перенесены в защищённое хранилище: TSS #b8b2c8c8]');
    expect(subjectOf(renderPage(page, 'en'))).toBe('Не могу войти, [access particulars moved to our secure vault: TSS #b8b2c8c8]');
    expect(renderPage(page, 'en')).not.toContain('credentials stored securely');
  });
});
