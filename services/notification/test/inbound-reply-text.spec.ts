import { stripQuotedReply } from '../src/domain/inbound-reply-text';

describe('P8: a quote header in Russian ends the reply as the English one does', () => {
  it.each([
    ['Apple Mail (RU)', '4 декабря 2026 г., в 20:48, TSS Support <support@tss.local> написал(а):'],
    ['Apple Mail (RU), short month', '4 дек. 2026 г., в 20:48, TSS Support <support@tss.local> написал(а):'],
    ['a client that knows the gender', '04.12.2026 20:48, Служба поддержки TSS написал:'],
    ['a client that knows the gender (feminine)', '04.12.2026 20:48, Служба поддержки TSS написала:'],
    ['Thunderbird (RU)', '04.12.2026 20:48, TSS Support пишет:'],
    ['Apple Mail (EN)', 'On 4 Dec 2026, at 20:48, TSS Support <support@tss.local> wrote:'],
  ])('%s', (_client, header) => {
    const reply = `Добрый день!\nОшибка осталась.\n\n${header}\n\n> Ваша заявка зарегистрирована.\n> TSS-00000-00000`;
    expect(stripQuotedReply(reply)).toBe('Добрый день!\nОшибка осталась.');
  });

  it.each([
    ['Apple Mail (RU)', '4 декабря 2026 г., в 20:48, TSS Support <support@tss.local>', 'написал(а):'],
    ['Gmail (EN)', 'On Fri, 4 Dec 2026 at 20:48, TSS Support <', 'support@tss.local> wrote:'],
  ])('%s, wrapped over two lines', (_client, first, second) => {
    expect(stripQuotedReply(`Спасибо.\n\n${first}\n${second}\n> Ваша заявка принята`)).toBe('Спасибо.');
  });

  it.each([
    'Коллега написал(а): что-то ещё',
    'Я написал:',
    'Он написал(а) в поддержку вчера',
  ])('a sentence of the reply is kept: %s', (line) => {
    const text = `Добрый день.\n${line}\nещё текст`;
    expect(stripQuotedReply(text)).toBe(text);
  });
});

// An outside test: forwards were cut as quoted history (docs/adr/0035, addendum of 2026-12-05, first session).
describe('P8: a forward is content, never quoted history', () => {
  const forwarded = 'From: Carl <carl@customer.example>\nDate: Thu, 3 Dec 2026 09:12\nSubject: Player freezes\nTo: heidi@a-books.example\n\nPlayer 3.1 freezes.';

  it.each([
    ['Gmail', '---------- Forwarded message ---------'],
    ['Thunderbird', '-------- Forwarded Message --------'],
    ['Gmail (RU)', '---------- Пересылаемое сообщение ---------'],
    ['Yandex', '-------- Начало переадресованного сообщения --------'],
    ['Apple Mail', 'Begin forwarded message:'],
    ['Apple Mail (RU)', 'Начало переадресованного сообщения:'],
  ])('%s: the forward is kept whole, whatever its subject', (_client, marker) => {
    const text = `Please help.\n\n${marker}\n${forwarded}`;
    expect(stripQuotedReply(text)).toBe(text);
    expect(stripQuotedReply(text, 'Re: [TSS-00000-00000] Request received')).toBe(text);
  });

  it('Apple Mail quotes the forwarded lines with ">": they are kept', () => {
    const text = `FYI\n\nBegin forwarded message:\n\n${forwarded.replace(/^/gm, '> ')}`;
    expect(stripQuotedReply(text)).toBe(text);
  });

  it('the own part above a forward still loses its signature; a quote header inside the forward is kept', () => {
    const inner = `${forwarded}\n\nOn Wed, 2 Dec 2026 at 10:00, Heidi <heidi@a-books.example> wrote:\n> Did you update?`;
    expect(stripQuotedReply(`Please help.\n\nBest regards\nHeidi\n\n---------- Forwarded message ---------\n${inner}`)).toBe(`Please help.\n\n---------- Forwarded message ---------\n${inner}`);
  });

  it.each([
    ['FW: Player freezes'],
    ['Fwd: Player freezes'],
    ['TR: Player freezes'],
    ['WG: Player freezes'],
    ['Пересл: Плеер зависает'],
  ])('Outlook writes the same rule and header block for a forward as for a reply: under "%s" it is a forward', (subject) => {
    const text = `Forwarding from our customer.\n\n________________________________\n${forwarded.replace('Date:', 'Sent:')}`;
    expect(stripQuotedReply(text, subject)).toBe(text);
    expect(stripQuotedReply(`Forwarding.\n\n-----Original Message-----\n${forwarded}`, subject)).toBe(`Forwarding.\n\n-----Original Message-----\n${forwarded}`);
  });

  it('under a reply’s subject the same block is the quoted history of our mail, and is cut', () => {
    const text = `It still fails.\n\n________________________________\nFrom: TSS Support <support@tss.test>\nSent: Thursday, December 3, 2026 9:00 AM\nSubject: [TSS-00000-00000] Request received\n\nYour request was registered.`;
    expect(stripQuotedReply(text, 'RE: [TSS-00000-00000] Request received')).toBe('It still fails.');
    expect(stripQuotedReply(text, 'RE: FW: Player freezes')).toBe('It still fails.');
  });

  it('a forward marker quoted with ">" (in our quoted history) is not one', () => {
    expect(stripQuotedReply('Thanks.\n\nOn Thu, 3 Dec 2026 at 09:00, TSS Support <support@tss.test> wrote:\n> ---------- Forwarded message ---------\n> x')).toBe('Thanks.');
  });
});
