import { filedText, hasOwnText } from '../src/domain/inbound-filed-text';

/**
 * An outside tester: a threaded reply whose only text was a quote header or a signature became the
 * description of a request mailed with no text (docs/adr/0035, addendum of 2026-12-05, fifth session).
 * The thread keeps what it kept; the reply says it has no words of its own, so it describes nothing.
 */
describe('P2/P8: a threaded reply says whether it has words of its own', () => {
  const quoted = '> Your request was registered with reference number TSS-BT2MY-FSCTR.';
  const reply = (text: string, subject = 'Re: [TSS-BT2MY-FSCTR] Request received') => ({ text, subject, forwarded: [] });

  it.each([
    ['a quote header and the quoted mail', `On Sat, 5 Dec 2026 support wrote:\n${quoted}`, 'On Sat, 5 Dec 2026 support wrote:'],
    ['a signature alone', 'Sent from my iPhone', 'Sent from my iPhone'],
    [
      'a quote header naming the sender, and the quoted mail',
      `On Sat, 5 Dec 2026 at 14:00, Technical support <support@tss.local> wrote:\n${quoted}`,
      'On Sat, 5 Dec 2026 at 14:00, Technical support <support@tss.local> wrote:',
    ],
    ['blank lines, then the quote header', `\n\nOn Sat, 5 Dec 2026 support wrote:\n${quoted}`, `\n\nOn Sat, 5 Dec 2026 support wrote:\n${quoted}`],
    ['a signature block', '-- \nHeidi Weber\nA-Books', '-- \nHeidi Weber\nA-Books'],
    ['a Russian phone signature', 'Отправлено с iPhone', 'Отправлено с iPhone'],
    ['a Russian mail app signature', 'Отправлено из мобильной Почты Mail.ru', 'Отправлено из мобильной Почты Mail.ru'],
    ['a Russian signature of a phone, after "со"', 'Отправлено со смартфона Samsung Galaxy', 'Отправлено со смартфона Samsung Galaxy'],
    ['an Outlook header block', `From: Technical support <support@tss.local>\nSent: Saturday, 5 December 2026 14:00\nSubject: Request received\n\n${quoted.slice(2)}`, undefined],
    ['white space', ' \n\t\n', ' \n\t\n'],
  ])('%s: none, and the thread gets what it got before', (_case, text, thread) => {
    expect(hasOwnText(reply(text))).toBe(false);
    if (thread !== undefined) expect(filedText(reply(text), true)).toBe(thread);
  });

  it.each([
    ['words above the quote', `Reader 4.2 crashes on an EPUB.\n\nOn Sat, 5 Dec 2026 support wrote:\n${quoted}`],
    ['words above the signature', 'Reader 4.2 crashes on an EPUB.\n\nSent from my iPhone'],
    ['Russian words above a Russian signature', 'Читалка 4.2 падает на EPUB.\n\nОтправлено с iPhone'],
    ['a sentence that starts like a signature', 'Отправлено сообщение об ошибке, но читалка всё равно падает.'],
    ['words below a greeting line', 'Hello,\nReader 4.2 crashes on an EPUB.'],
    ['a forward, which is content', `---------- Forwarded message ---------\nFrom: Carl <carl@customer.example>\n\nPlayer 3.1 freezes.`],
  ])('%s: some', (_case, text) => {
    expect(hasOwnText(reply(text))).toBe(true);
  });

  it('the thread loses a Russian signature under words, as it loses an English one', () => {
    expect(filedText(reply('Читалка 4.2 падает на EPUB.\n\nОтправлено с iPhone'), true)).toBe('Читалка 4.2 падает на EPUB.');
  });

  it('a mail forwarded as a file is content: a reply carrying one has words to give', () => {
    expect(hasOwnText({ ...reply('Sent from my iPhone'), forwarded: [{ from: 'Carl <carl@customer.example>', text: 'Player 3.1 freezes.' }] })).toBe(true);
  });
});

/**
 * An outside tester: a mail that opens a ticket and held only a signature, or a quote header and its
 * quoted lines, became the description as it came (docs/adr/0035, addendum of 2026-12-05, sixth
 * session). It is filed whole as before; asked the same question, it says it has no words of its own.
 */
describe('P2/P8: a mail that files a ticket says whether it has words of its own, and is filed whole', () => {
  const newMail = (text: string, subject = 'Reader') => ({ text, subject, forwarded: [] });

  it.each([
    ['a phone signature', 'Sent from my iPhone'],
    ['a signature block', '-- \nOlga'],
    ['a Russian phone signature', 'Отправлено с iPhone'],
    ['a quote header and quoted lines', 'On Fri, 4 Dec 2026 Bob <bob@customer.example> wrote:\n> Can you ask support about the reader?'],
    ['a Russian quote header and quoted lines', '4 дек. 2026 г., в 10:00, Иван <ivan@customer.example>:\n> Спросите поддержку про читалку.'],
    ['white space', '\n \n'],
  ])('%s: none, filed whole', (_case, text) => {
    expect(hasOwnText(newMail(text))).toBe(false);
    expect(filedText(newMail(text), false)).toBe(text);
  });

  it.each([
    ['words above a signature', 'Reader 4.2 crashes on an EPUB.\n\n-- \nOlga'],
    ['a name under a greeting', 'Hello,\nReader 4.2 crashes.\nOlga'],
    ['a forward written into the text', 'Sent from my iPhone\n\nBegin forwarded message:\n\n> From: Carl <carl@customer.example>\n> Player 3.1 freezes.'],
  ])('%s: some', (_case, text) => {
    expect(hasOwnText(newMail(text, 'Fwd: Reader'))).toBe(true);
  });

  it('a signature and a mail forwarded as a file: the forward is content', () => {
    expect(hasOwnText({ ...newMail('Sent from my iPhone'), forwarded: [{ from: 'Carl <carl@customer.example>', text: 'Player 3.1 freezes.' }] })).toBe(true);
  });
});
