import path from 'node:path';
import { callOffThread, OFF_THREAD_TEST_TIMEOUT_MS, stopCallsOffThread } from '@tss/service-kit/testing';
import { stripQuotedReply } from '../src/domain/inbound-reply-text';
import { threadMessageIds } from '../src/domain/inbound-thread';

const REPLY_TEXT = path.join(__dirname, '../src/domain/inbound-reply-text.ts');
const THREAD = path.join(__dirname, '../src/domain/inbound-thread.ts');
const ACK_MESSAGE_ID = '<tss.7f1c2d3e-0000-4000-8000-000000000001@tss.test>';

describe('P8: an inbound mail is read in time linear in its length (docs/adr/0061)', () => {
  describe('a time, then the sender and a colon, still ends the reply (Gmail RU, Yandex, Mail.ru)', () => {
    it.each([
      ['Gmail RU', 'пн, 1 дек. 2026 г. в 10:00, TSS Support <support@tss.test>:'],
      ['Yandex', '01.12.2026, 10:00, "TSS Support" <support@tss.test>:'],
      ['a time at the 200th character', `${'x'.repeat(200)}9:59 <a@b>:`],
      ['the address 200 characters after the time', `10:00${'x'.repeat(200)}<a@b>:`],
    ])('%s', (_client, header) => {
      expect(stripQuotedReply(`Спасибо, работает.\n\n${header}\n> Ваша заявка принята`)).toBe('Спасибо, работает.');
    });

    it.each([
      ['no time', 'TSS Support <support@tss.test>:'],
      ['the time after the 200th character', `${'x'.repeat(201)}9:59 <a@b>:`],
      ['the address more than 200 characters after the time', `10:00${'x'.repeat(201)}<a@b>:`],
      ['no "@" inside the brackets', '10:00 <support>:'],
      ['nothing before the "@"', '10:00 <@tss.test>:'],
      ['a blank inside the brackets', '10:00 <support @tss.test>:'],
      ['no colon after the address', '10:00 <support@tss.test>'],
    ])('but not a line with %s', (_shape, line) => {
      const text = `Спасибо.\n${line}\nещё`;
      expect(stripQuotedReply(text)).toBe(text);
    });
  });

  describe('a long run of one shape does not hold the event loop', () => {
    // Run on a worker: Jest's timeout cannot stop a regex on the test's own thread, so the old,
    // backtracking patterns would pass, late. The worker rejects a call still running
    // OFF_THREAD_CALL_BOUND_MS after its module loaded; the reading itself takes milliseconds.
    afterEach(stopCallsOffThread);

    // 100,000 characters: a line or header a mail of up to 30 MB can carry, and enough for the
    // quadratic patterns to take far longer than the bound (15 and 18 s on a 2-core machine).
    it('a line with a time and a "<" then 100,000 "@" (quote header) is text, not a header', async () => {
      const text = `Спасибо.\n1:11 <${'@'.repeat(100_000)}\nещё`;
      expect(await callOffThread<typeof stripQuotedReply>(REPLY_TEXT, 'stripQuotedReply', text)).toBe(text);
    }, OFF_THREAD_TEST_TIMEOUT_MS);

    it('a line of "написал(а):" and blanks repeated (quote header verb) is text, not a header', async () => {
      const line = `${'написал(а):   '.repeat(10_000)}x`;
      const text = `Спасибо.\n${line}\n${line}\nещё`;
      expect(await callOffThread<typeof stripQuotedReply>(REPLY_TEXT, 'stripQuotedReply', text)).toBe(text);
    }, OFF_THREAD_TEST_TIMEOUT_MS);

    it('a line of 100,000 dashes around "Forwarded message" and blanks (forward marker) is read once', async () => {
      const line = `${'-'.repeat(100_000)} Forwarded message${' '.repeat(100_000)}x`;
      const text = `Спасибо.\n${line}\nещё`;
      expect(await callOffThread<typeof stripQuotedReply>(REPLY_TEXT, 'stripQuotedReply', text, 'Fwd: x')).toBe(text);
    }, OFF_THREAD_TEST_TIMEOUT_MS);

    it('a reference of "<" then 100,000 "@" names no message; the ids beside it still thread the mail', async () => {
      const mail = { references: [ACK_MESSAGE_ID, `<${'@'.repeat(100_000)}`] };
      expect(await callOffThread<typeof threadMessageIds>(THREAD, 'threadMessageIds', mail)).toEqual([ACK_MESSAGE_ID]);
    }, OFF_THREAD_TEST_TIMEOUT_MS);
  });

  it('a Message-ID is "<", something, "@", something, ">"; its left part may hold an "@" too', () => {
    const ids = ['<a@b>', '<@a@b>', '<a@@b>', '<a@b@c>', '<@b>', '<a@>', '<@>', '<a b@c>', '<a@b', 'a@b>', '<<a@b>', '<a@b>>'];
    // Newest first; an id is taken out of whatever surrounds it, so `<a@b>>` (the newest) names `<a@b>`.
    expect(threadMessageIds({ references: ids })).toEqual(['<a@b>', '<a@b@c>', '<a@@b>', '<@a@b>']);
  });
});
