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
