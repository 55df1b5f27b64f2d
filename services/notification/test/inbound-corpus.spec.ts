import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generateReference } from '@tss/contracts';
import { automatedReason } from '../src/domain/inbound-mail';
import { addressOf } from '../src/domain/mail-delivery';
import { hasOwnWords, stripQuotedReply } from '../src/domain/inbound-reply-text';
import { referenceInSubject, threadMessageIds } from '../src/domain/inbound-thread';
import { parseInboundMail } from '../src/use-cases/inbound-parse';

const FIXTURES = path.join(__dirname, 'fixtures', 'mail');

interface Expectation {
  client: string;
  reply?: string;
  automated?: boolean;
  thread?: 'headers' | 'subject' | 'none';
  attachments?: number;
}
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Expectation>;

const REFERENCE = generateReference(() => Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
const mistype = (reference: string) => reference.slice(0, -1) + (reference.endsWith('0') ? '1' : '0');
const ACK_MESSAGE_ID = '<tss.7f1c2d3e-0000-4000-8000-000000000001@tss.test>';

/** A corpus mail as a client sent it, replying to our acknowledgment of REFERENCE. */
export const corpusMail = (file: string, values = { reference: REFERENCE, ackMessageId: ACK_MESSAGE_ID }): Buffer =>
  Buffer.from(
    readFileSync(path.join(FIXTURES, file))
      .toString('latin1')
      .replaceAll('{{REFERENCE}}', values.reference)
      .replaceAll('{{MISTYPED_REFERENCE}}', mistype(values.reference))
      .replaceAll('{{ACK_MESSAGE_ID}}', values.ackMessageId),
    'latin1',
  );

describe('inbound mail corpus: replies as real clients write them (P8, issue #11)', () => {
  it('holds every fixture with its expectation', () => {
    expect(readdirSync(FIXTURES).filter((f) => f.endsWith('.eml')).sort()).toEqual(Object.keys(expected).sort());
  });

  describe.each(Object.entries(expected).filter(([, e]) => !e.automated))('%s', (file, e) => {
    it(`${e.client}: the reply without quoted history or signature`, async () => {
      const parsed = await parseInboundMail(corpusMail(file));
      if (!parsed.ok) throw new Error(parsed.failure.detail);
      expect(stripQuotedReply(parsed.mail.text, parsed.mail.subject)).toBe(e.reply);
      // Each client's reply has words of its own: it may describe a request filed without a description (P2).
      expect(hasOwnWords(parsed.mail.text, parsed.mail.subject)).toBe(true);
      expect(automatedReason(parsed.mail)).toBeUndefined();
      expect(parsed.mail.attachments).toHaveLength(e.attachments ?? 0);
    });

    it(`${e.client}: threads by ${e.thread}`, async () => {
      const parsed = await parseInboundMail(corpusMail(file));
      if (!parsed.ok) throw new Error(parsed.failure.detail);
      const byHeaders = threadMessageIds(parsed.mail).includes(ACK_MESSAGE_ID);
      const bySubject = referenceInSubject(parsed.mail.subject);
      if (e.thread === 'headers') expect(byHeaders).toBe(true);
      if (e.thread === 'subject') expect([byHeaders, bySubject]).toEqual([false, REFERENCE]);
      if (e.thread === 'none') expect([byHeaders, bySubject]).toEqual([false, undefined]);
    });
  });

  it.each(Object.entries(expected).filter(([, e]) => e.automated))('%s is a machine’s mail, never a ticket', async (file) => {
    const parsed = await parseInboundMail(corpusMail(file));
    if (!parsed.ok) throw new Error(parsed.failure.detail);
    expect(automatedReason(parsed.mail)).toEqual(expect.any(String));
  });

  it('mail from our own MAIL_FROM address is a loop, whatever its headers; a person writing from the same domain is not', () => {
    const own = [addressOf('TSS Support <Support@TSS.local>')];
    expect(own).toEqual(['support@tss.local']);
    expect(addressOf(' bare@host.example ')).toBe('bare@host.example');
    const person = { from: 'support@tss.local', headers: new Map<string, string>() };
    expect(automatedReason(person, own)).toContain('our own address');
    expect(automatedReason({ ...person, from: 'ann@tss.local' }, own)).toBeUndefined();
    expect(automatedReason(person)).toBeUndefined();
  });

  it('P3: a reference is found whatever its case or separators, and a mistyped one never', () => {
    const plain = REFERENCE.replace(/-/g, '');
    expect(referenceInSubject(`Re: [${REFERENCE.toLowerCase()}] x`)).toBe(REFERENCE);
    expect(referenceInSubject(`Re: ${plain} x`)).toBe(REFERENCE);
    expect(referenceInSubject(`Re: ${REFERENCE.replace(/-/g, ' ')}`)).toBe(REFERENCE);
    expect(referenceInSubject(`Re: [${mistype(REFERENCE)}]`)).toBeUndefined();
  });

  it('a mail it cannot read is a failure value, not a throw', async () => {
    const parsed = await parseInboundMail(Buffer.from('no headers at all'));
    expect(parsed.ok).toBe(false);
  });
});
