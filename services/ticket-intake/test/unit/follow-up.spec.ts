import type { TicketStatus } from '@tss/contracts';
import { followedUpDetails, followUpRequest, followUpSubject, openFollowUp, ratedNotSolvedMessage } from '../../src/domain/follow-up';
import { withOurLine } from '../../src/domain/message';

describe('openFollowUp (P11: one open follow-up per ticket)', () => {
  const followUp = (id: string, status: TicketStatus) => ({ id, status });

  it('no follow-up, or only resolved and closed ones: none is open, so "not solved" files one', () => {
    expect(openFollowUp([])).toBeUndefined();
    expect(openFollowUp([followUp('a', 'closed'), followUp('b', 'resolved')])).toBeUndefined();
  });

  it('a follow-up in any working status stands for the problem; of several, the newest', () => {
    for (const status of ['new', 'open', 'awaiting_customer', 'referred', 'feature_request'] as const) {
      expect(openFollowUp([followUp('a', 'closed'), followUp('b', status)])?.id).toBe('b');
    }
    expect(openFollowUp([followUp('a', 'open'), followUp('b', 'resolved'), followUp('c', 'new')])?.id).toBe('c');
  });
});

// An outside test: a reply to the "Closed" mail filed a follow-up titled "Re: [TSS-OLD] Closed:
// outside technical support" (docs/adr/0035, addendum of 2026-12-04, sixth session).
describe('followUpSubject (P11: a follow-up by mail goes by the request it follows up)', () => {
  it('is the earlier request’s subject, as filed', () => {
    expect(followUpSubject({ subject: 'Reader crashes on opening EPUB', description: 'It crashes.' })).toBe('Reader crashes on opening EPUB');
  });

  it('without our mail’s leads, references and reply prefixes an earlier follow-up may carry', () => {
    expect(followUpSubject({ subject: 'Re: [TSS-00AB1-00CD2] Closed: Reader crashes', description: 'x' })).toBe('Reader crashes');
    expect(followUpSubject({ subject: 'AW: Fwd: Follow-up to TSS-00AB1-00CD2: Reader crashes', description: 'x' })).toBe('Reader crashes');
    expect(followUpSubject({ subject: 'Отв: [TSS-00AB1-00CD2] Обращение принято: Не открывается книга', description: 'x' })).toBe('Не открывается книга');
  });

  it('the earlier request’s text when it had no subject of its own', () => {
    expect(followUpSubject({ description: 'The reader closes when opening any EPUB.' })).toBe('The reader closes when opening any EPUB.');
    expect(followUpSubject({ subject: 'Re: [TSS-00AB1-00CD2] Closed:', description: 'Blank page.' })).toBe('Blank page.');
  });
});

// An outside test: a mail's follow-up of a platform 7.1 ticket was filed with no product and no
// version, and its acknowledgment asked for both again (docs/adr/0029, addendum of 2026-12-05).
describe('followedUpDetails (P2, P11: a follow-up keeps the request it follows up)', () => {
  it('keeps product, version, level and environment; leaves out the words and who asked', () => {
    const request = {
      product: 'platform' as const,
      productVersion: '7.1',
      subject: 'Export fails',
      description: 'It stops at 50%.',
      stepsToReproduce: 'Press Export.',
      browser: 'Chrome 131',
      operatingSystem: 'Windows',
      operatingSystemVersion: '11',
      connectivity: 'LAN',
      antivirus: 'Defender',
      level: 'emergency' as const,
      requester: { email: 'bob@example.org', id: 'cust-bob' },
    };
    expect(followedUpDetails(request)).toEqual({
      product: 'platform',
      productVersion: '7.1',
      stepsToReproduce: 'Press Export.',
      browser: 'Chrome 131',
      operatingSystem: 'Windows',
      operatingSystemVersion: '11',
      connectivity: 'LAN',
      antivirus: 'Defender',
      level: 'emergency',
    });
  });
});

// An outside tester, on the Russian site: «Ваша проблема не решена» on a closed ticket filed a follow-up
// titled "Follow-up to TSS-7QWWW-D729Y: Админка недоступна", its description the requester's text
// followed by "(Follows up TSS-7QWWW-D729Y.)", words they never wrote (docs/adr/0029, addendum of
// 2026-12-05, sixth session). The link is the follow-up's `linkedTicketId`.
describe('followUpRequest (P11: a follow-up filed by "not solved" holds the requester\'s words only)', () => {
  const earlier = { subject: 'Админка недоступна', description: 'Не открывается админка.', product: 'platform' as const, productVersion: '7.1', requester: { id: 'r1' } };

  it('goes by the earlier request\'s subject in its own words, as a mail\'s follow-up does; the reason is the description as written', () => {
    const request = followUpRequest(earlier, 'Всё ещё не работает');
    expect(request).toMatchObject({ subject: 'Админка недоступна', description: 'Всё ещё не работает', product: 'platform', productVersion: '7.1', requester: { id: 'r1' } });
  });

  it('without a reason (a "not solved" rating without a comment), the earlier description: no words of ours', () => {
    expect(followUpRequest(earlier, undefined)).toMatchObject({ subject: 'Админка недоступна', description: 'Не открывается админка.' });
  });

  it('an earlier follow-up\'s subject is not prefixed again; a request without a subject goes by its text', () => {
    expect(followUpRequest({ ...earlier, subject: 'Follow-up to TSS-7QWWW-D729Y: Админка недоступна' }, 'x').subject).toBe('Админка недоступна');
    expect(followUpRequest({ ...earlier, subject: undefined }, 'x').subject).toBe('Не открывается админка.');
  });
});

// "Rated not solved: …" and "(Rating of TSS-….)" were ours, in English, on a Russian requester's
// page: the requester's comment as written, then which rating it was, in the follow-up's language.
describe('ratedNotSolvedMessage (P11: a "not solved" rating on the open follow-up\'s thread)', () => {
  const shown = (m: { words: string; ourLine: string }) => withOurLine(m.words, m.ourLine);

  it('keeps the comment as written and names the rating in the follow-up\'s language', () => {
    expect(shown(ratedNotSolvedMessage('ru', 'TSS-7QWWW-D729Y', ' Админка снова недоступна '))).toBe('Админка снова недоступна\n\n(Моя оценка обращения TSS-7QWWW-D729Y: проблема не решена.)');
    expect(shown(ratedNotSolvedMessage('en', 'TSS-7QWWW-D729Y', 'Still crashes'))).toBe('Still crashes\n\n(My rating of TSS-7QWWW-D729Y: not solved.)');
  });

  it('without a comment, says only which rating it was', () => {
    expect(shown(ratedNotSolvedMessage('ru', 'TSS-7QWWW-D729Y', undefined))).toBe('Моя оценка обращения TSS-7QWWW-D729Y: проблема не решена.');
    expect(shown(ratedNotSolvedMessage('en', 'TSS-7QWWW-D729Y', '  '))).toBe('My rating of TSS-7QWWW-D729Y: not solved.');
  });

  // An outside tester (sixth session): on a follow-up with no description, the whole message became
  // it, our line included. docs/api.md: "A follow-up holds the requester's words only".
  it("P2: its words, which may describe the request, are the comment alone; the line naming the rating is ours", () => {
    expect(ratedNotSolvedMessage('ru', 'TSS-7QWWW-D729Y', ' Админка снова недоступна ')).toEqual({
      words: 'Админка снова недоступна',
      ourLine: 'Моя оценка обращения TSS-7QWWW-D729Y: проблема не решена.',
    });
    expect(ratedNotSolvedMessage('en', 'TSS-7QWWW-D729Y', undefined)).toEqual({ words: '', ourLine: 'My rating of TSS-7QWWW-D729Y: not solved.' });
  });
});
