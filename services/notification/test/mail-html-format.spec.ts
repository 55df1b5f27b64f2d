import { acknowledgmentMail } from '../src/domain/acknowledgment-mail';
import { escalationNoticeMail } from '../src/domain/escalation-notice';
import { endpointDisabledMail } from '../src/domain/webhook-disabled-mail';
import { agentReplyMail, informationRequestedMail } from '../src/domain/mail-templates';

const en = { reference: 'TSS-K7QM2-ZC4XD', subject: 'Reader crashes', language: 'en' as const };
const ru = { ...en, language: 'ru' as const };
const HEBREW = 'שלום, הבעיה נפתרה בגרסה 4.2.2';
const ARABIC = 'القارئ لا يفتح الكتاب';

describe('the HTML part states its language and lets written text set its own direction (sixth session)', () => {
  it('<html lang> is the mail’s language: the requester’s, English for staff', () => {
    expect(acknowledgmentMail(ru, []).html).toMatch(/^<!doctype html>\n<html lang="ru">/);
    expect(agentReplyMail(ru, 'Готово.').html).toMatch(/^<!doctype html>\n<html lang="ru">/);
    expect(informationRequestedMail(en, 'malware').html).toMatch(/^<!doctype html>\n<html lang="en">/);
    const notice = escalationNoticeMail({ escalationId: 'e-1', kind: 'team_leader', attempt: 0, ticketId: 't-1', targetRole: 'team_leader', ticketUrl: 'https://t', escalationUrl: 'https://e' });
    expect(notice.html).toMatch(/^<!doctype html>\n<html lang="en">/);
    const disabled = endpointDisabledMail({ endpointId: 'w-1', url: 'https://hooks.example', description: '', failingSince: new Date(0), disabledAt: new Date(0), reason: '503', publicUrl: 'https://tss.example' });
    expect(disabled.html).toMatch(/^<!doctype html>\n<html lang="en">/);
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
    });
    expect(notice.html).toContain(`<p dir="auto">${ARABIC}</p>`);
    expect(notice.html).toContain(`<p dir="auto">&gt; ${HEBREW}</p>`);
  });
});
