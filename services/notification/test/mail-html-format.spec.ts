import { acknowledgmentMail } from '../src/domain/acknowledgment-mail';
import { escalationNoticeMail } from '../src/domain/escalation-notice';
import { endpointDisabledMail } from '../src/domain/webhook-disabled-mail';
import { agentReplyMail, informationRequestedMail } from '../src/domain/mail-templates';

const en = { reference: 'TSS-K7QM2-ZC4XD', subject: 'Reader crashes', language: 'en' as const };
const ru = { ...en, language: 'ru' as const };
const HEBREW = 'שלום, הבעיה נפתרה בגרסה 4.2.2';
const ARABIC = 'القارئ لا يفتح الكتاب';

describe('the HTML part states its language and lets written text set its own direction (sixth session)', () => {
  it('<html lang> is the mail’s language: the requester’s, the staff member’s', () => {
    expect(acknowledgmentMail(ru, []).html).toMatch(/^<!doctype html>\n<html lang="ru">/);
    expect(agentReplyMail(ru, 'Готово.').html).toMatch(/^<!doctype html>\n<html lang="ru">/);
    expect(informationRequestedMail(en, 'malware').html).toMatch(/^<!doctype html>\n<html lang="en">/);
    const input = { escalationId: 'e-1', kind: 'team_leader' as const, attempt: 0, ticketId: 't-1', targetRole: 'team_leader', ticketUrl: 'https://t', escalationUrl: 'https://e' };
    const endpoint = { endpointId: 'w-1', url: 'https://hooks.example', description: '', failingSince: new Date(0), disabledAt: new Date(0), reason: '503', publicUrl: 'https://tss.example' };
    for (const language of ['en', 'ru'] as const) {
      expect(escalationNoticeMail(input, language).html).toMatch(new RegExp(`^<!doctype html>\n<html lang="${language}">`));
      expect(endpointDisabledMail(endpoint, language).html).toMatch(new RegExp(`^<!doctype html>\n<html lang="${language}">`));
    }
  });

  it('an agent’s words are a paragraph of their own direction (dir="auto"), so Hebrew or Arabic reads right to left', () => {
    const mail = agentReplyMail(en, `${HEBREW}\n${ARABIC}`);
    expect(mail.html).toContain(`<p dir="auto">${HEBREW}<br>${ARABIC}</p>`);
    // Our own words keep the mail's direction.
    expect(mail.html).toContain('<p>Reply to this message to answer; please keep the reference in the subject.</p>');
  });

  it('the subject, which holds the requester’s words, is the document title with dir="auto"', () => {
    const mail = acknowledgmentMail({ ...en, subject: `${ARABIC} <b>` }, []);
    expect(mail.html).toContain(`<title dir="auto">[TSS-K7QM2-ZC4XD] Request received: ${ARABIC} &lt;b&gt;</title>`);
  });

  it('a requester’s words quoted to staff, and the summary, set their own direction', () => {
    const notice = escalationNoticeMail({
      escalationId: 'e-1', kind: 'team_leader', attempt: 0, ticketId: 't-1', targetRole: 'team_leader',
      summary: ARABIC, quote: HEBREW, ticketUrl: 'https://t', escalationUrl: 'https://e',
    }, 'en');
    expect(notice.html).toContain(`<p dir="auto">${ARABIC}</p>`);
    expect(notice.html).toContain(`<p dir="auto">&gt; ${HEBREW}</p>`);
  });
});

describe('web addresses in an agent’s reply are links in the HTML part, by the support site’s rule (sixth session)', () => {
  const REL = 'rel="noopener noreferrer nofollow"';

  it('an http(s) address is a link, without the punctuation that ends the sentence; the text part is unchanged', () => {
    const body = 'See https://docs.aggregion.example/reader/epub#drm, or (http://help.example/a_(b)).';
    const mail = agentReplyMail(en, body);
    expect(mail.html).toContain(
      `<p dir="auto">See <a href="https://docs.aggregion.example/reader/epub#drm" ${REL}>https://docs.aggregion.example/reader/epub#drm</a>, ` +
        `or (<a href="http://help.example/a_(b)" ${REL}>http://help.example/a_(b)</a>).</p>`,
    );
    expect(mail.text).toContain(`${body}\n`);
  });

  it('other schemes stay text, and an address cannot leave its attribute', () => {
    const mail = agentReplyMail(en, 'javascript:alert(1) data:text/html,x https://a.example/?q=1&r="><script>x</script>');
    expect(mail.html).not.toMatch(/href="(javascript|data):/);
    expect(mail.html).toContain(`<a href="https://a.example/?q=1&amp;r=" ${REL}>https://a.example/?q=1&amp;r=</a>&quot;&gt;&lt;script&gt;`);
    expect(mail.html).not.toContain('<script>');
  });

  it('a long address breaks rather than widen a narrow mail view (WCAG 1.4.10; checked at 320 px in site.browser.int.spec.ts): the body is one wrapper whose style lets words break anywhere', () => {
    const mail = agentReplyMail(en, `See https://docs.example/${'a'.repeat(300)}`);
    expect(mail.html).toMatch(/<body>\n<div style="overflow-wrap:anywhere;word-break:break-word">\n<p dir="auto">See <a [^>]+>https:\/\/docs\.example\/a+<\/a><\/p>\n[\s\S]*<\/div>\n<\/body><\/html>\n$/);
  });

  it('our own sentences are not linked twice: the site link stays one link', () => {
    const mail = agentReplyMail({ ...en, siteUrl: 'https://help.example/support/t/v1.k1.p.m' }, 'Done.');
    expect(mail.html.match(/<a /g)).toHaveLength(1);
  });
});
