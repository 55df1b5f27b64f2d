import { MAIL_REPLY_REOPEN_REASON, SITE_REPLY_REOPEN_REASON, applyPatch, mailReplyFollowsUp, openTicket, receiveRequesterMessage, reopen, type Change, type Ticket } from '../../src/domain/ticket';
import { mailedDescription } from '../../src/domain/mailed-description';
import { levelWasRequested, mentionsTeamLeader, missingDetails, withoutQuotedHistory } from '../../src/domain/ticket-request';
import { changed as allowed } from './ticket-fixtures';

const receivedAt = new Date('2026-03-01T22:15:00.000Z');
const base = { id: '6f1c3ad2-8f55-4cb5-9a45-5a4c0c6f8f0e', partnerId: 'a3b0c9b8-61a4-4d43-9d7c-8d8c6a0e3f11', reference: 'TSS-01234-56789' };

describe('opening a ticket', () => {
  it('P2: lists the recommended details the request lacks', () => {
    expect(missingDetails({ description: 'by phone' })).toEqual(['product', 'productVersion', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion']);
    expect(missingDetails({ product: 'reader', productVersion: '1', description: 'x', browser: 'Firefox', operatingSystem: ' ' })).toEqual([
      'stepsToReproduce',
      'operatingSystem',
      'operatingSystemVersion',
    ]);
  });

  it('P2: a request with no description (a mail with no text) lists it, in the rules\' order', () => {
    expect(missingDetails({ description: '' })).toEqual(['product', 'productVersion', 'description', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion']);
    expect(missingDetails({ product: 'reader', productVersion: '4', description: ' \n ', stepsToReproduce: '1.', browser: 'b', operatingSystem: 'o', operatingSystemVersion: 'v' })).toEqual(['description']);
  });

  it("P2: the requester's next words describe a request filed without a description; another sender's do not, nor later ones", () => {
    const { ticket } = openTicket({ ...base, channel: 'email', request: { subject: 'Only a subject', description: '' } }, receivedAt);
    const message = { id: 'm-1', channel: 'email' as const, attachmentIds: [], body: 'Reader 4.2 crashes on an EPUB.' };
    const fromColleague = allowed(receiveRequesterMessage(ticket, { ...message, fromRequester: false }, receivedAt));
    expect(fromColleague.ticket.request.description).toBe('');
    expect(fromColleague.effects).toEqual([{ kind: 'message_received', messageId: 'm-1', channel: 'email', attachmentIds: [] }]);
    expect(allowed(receiveRequesterMessage(ticket, { ...message, body: '  ' }, receivedAt)).ticket.missingDetails).toContain('description');
    const described = allowed(receiveRequesterMessage(ticket, message, receivedAt));
    expect(described.ticket.request).toMatchObject({ subject: 'Only a subject', description: 'Reader 4.2 crashes on an EPUB.' });
    expect(described.ticket.missingDetails).not.toContain('description');
    expect(described.effects).toEqual([{ kind: 'message_received', messageId: 'm-1', channel: 'email', attachmentIds: [], describes: true }]);
    const later = allowed(receiveRequesterMessage(described.ticket, { ...message, id: 'm-2', body: 'Also on Windows.' }, receivedAt));
    expect(later.ticket.request.description).toBe('Reader 4.2 crashes on an EPUB.');
    expect(later.effects[0]).not.toHaveProperty('describes');
  });

  it('P2: a reply with no words of its own (a quote header, a signature) is threaded but describes nothing; the next with words does', () => {
    const { ticket } = openTicket({ ...base, channel: 'email', request: { subject: 'Only a subject', description: '' } }, receivedAt);
    // Notification threads such a reply with what it holds, and says it had no words of its own (docs/adr/0035, fifth session).
    const quoteHeader = { id: 'm-1', channel: 'email' as const, attachmentIds: [], body: 'On Sat, 5 Dec 2026 support wrote:', ownText: false };
    const threaded = allowed(receiveRequesterMessage(ticket, quoteHeader, receivedAt));
    expect(threaded.ticket.request.description).toBe('');
    expect(threaded.ticket.missingDetails).toContain('description');
    expect(threaded.effects[0]).toEqual({ kind: 'message_received', messageId: 'm-1', channel: 'email', attachmentIds: [] });
    const words = { id: 'm-2', channel: 'email' as const, attachmentIds: [], body: 'Reader 4.2 crashes on an EPUB.', ownText: true };
    const described = allowed(receiveRequesterMessage(threaded.ticket, words, receivedAt));
    expect(described.ticket.request.description).toBe('Reader 4.2 crashes on an EPUB.');
    expect(described.effects[0]).toMatchObject({ messageId: 'm-2', describes: true });
  });

  // An outside tester (sixth session): a "not solved" rating's message on a follow-up with no
  // description became it whole, our "(My rating of TSS-…: not solved.)" included.
  it("P2: a message with words of ours describes the request by the sender's words alone, and nothing without them", () => {
    const { ticket } = openTicket({ ...base, channel: 'email', request: { subject: 'Reader', description: '' } }, receivedAt);
    const rating = { id: 'm-1', channel: 'api' as const, attachmentIds: [], body: 'My rating of TSS-7QWWW-D729Y: not solved.', words: '' };
    const uncommented = allowed(receiveRequesterMessage(ticket, rating, receivedAt));
    expect(uncommented.ticket.request.description).toBe('');
    expect(uncommented.ticket.missingDetails).toContain('description');
    expect(uncommented.effects[0]).not.toHaveProperty('describes');
    const commented = allowed(receiveRequesterMessage(ticket, { ...rating, body: 'Still crashes.\n\n(My rating of TSS-7QWWW-D729Y: not solved.)', words: 'Still crashes.' }, receivedAt));
    expect(commented.ticket.request.description).toBe('Still crashes.');
    expect(commented.effects[0]).toMatchObject({ messageId: 'm-1', describes: true });
  });

  // An outside tester: a mail that opened a ticket with only a signature, or a quote header and quoted
  // lines, was described by them (docs/adr/0035, addendum of 2026-12-05, sixth session).
  it.each([
    ['a phone signature', 'Sent from my iPhone'],
    ['a signature block', '-- \nOlga'],
    ['a Russian phone signature', 'Отправлено с iPhone'],
    ['a quote header and quoted lines', 'On Fri, 4 Dec 2026 Bob wrote:\n> Can you ask support about the reader?'],
  ])('P2: a mail that files a ticket with no words of its own (%s) has no description, listed missing; the thread keeps what came', (_case, text) => {
    const mailed = mailedDescription({ text, ownText: false });
    expect(mailed).toEqual({ description: '', keptOnThread: text });
    const { ticket } = openTicket({ ...base, channel: 'email', request: { subject: 'Reader', description: mailed.description } }, receivedAt);
    expect(ticket.missingDetails).toContain('description');
    // The requester's next words describe it, as for a mail with no text.
    const described = allowed(receiveRequesterMessage(ticket, { id: 'm-1', channel: 'email', attachmentIds: [], body: 'Reader 4.2 crashes on an EPUB.', ownText: true }, receivedAt));
    expect(described.ticket.request.description).toBe('Reader 4.2 crashes on an EPUB.');
  });

  it('P2: a mail that files a ticket with words of its own is its description, whole; white space alone keeps nothing on the thread', () => {
    const whole = 'Reader 4.2 crashes on an EPUB.\n\nOn Fri, 4 Dec 2026 Bob wrote:\n> it worked last week\n\nSent from my iPhone';
    expect(mailedDescription({ text: whole, ownText: true })).toEqual({ description: whole });
    // An older notification says nothing: the text, as before.
    expect(mailedDescription({ text: 'Sent from my iPhone' })).toEqual({ description: 'Sent from my iPhone' });
    expect(mailedDescription({ text: ' \n', ownText: false })).toEqual({ description: '' });
    expect(mailedDescription({ text: '', ownText: false })).toEqual({ description: '' });
  });

  it('P3: an API request is accepted at once, by the answer that carries its reference', () => {
    const { ticket, effects } = openTicket({ ...base, channel: 'api', request: { product: 'platform', productVersion: '3.1', description: 'Login fails' } }, receivedAt);
    expect(ticket.status).toBe('new');
    expect(ticket.responseOwed).toBe(true);
    expect(ticket.acceptedAt).toEqual(receivedAt);
    expect(effects).toEqual([{ kind: 'created' }, { kind: 'accepted', via: 'api' }]);
  });

  it('P3: an e-mail request waits for its acknowledgment before it counts as accepted', () => {
    const { ticket, effects } = openTicket({ ...base, channel: 'email', request: { product: 'platform', productVersion: '3.1', description: 'Login fails' } }, receivedAt);
    expect(ticket.acceptedAt).toBeUndefined();
    expect(effects).toEqual([{ kind: 'created' }]);
  });

  it('P5: the level a partner files is a suggestion, unconfirmed; standard when none is given', () => {
    const suggested = openTicket({ ...base, channel: 'api', request: { product: 'player', productVersion: '2', description: 'Down', level: 'emergency' } }, receivedAt);
    expect(suggested.ticket).toMatchObject({ level: 'emergency', levelConfirmed: false });
    const unspecified = openTicket({ ...base, channel: 'api', request: { product: 'player', productVersion: '2', description: 'Q' } }, receivedAt);
    expect(unspecified.ticket.level).toBe('standard');
  });

  it('P5: the level counts as requested only when the filer named the one the ticket is at (the acknowledgment says "as requested")', () => {
    expect(levelWasRequested({ description: 'x', level: 'consulting' }, 'api')).toBe(true);
    expect(levelWasRequested({ description: 'x', level: 'standard' }, 'api')).toBe(true);
    expect(levelWasRequested({ description: 'by mail' }, 'email')).toBe(false);
    expect(levelWasRequested({ description: 'by phone' }, 'phone')).toBe(false);
    expect(levelWasRequested({ description: 'copied from an older request', level: 'development' }, 'api')).toBe(false);
  });

  it('P12: a phone contact defaults to consulting', () => {
    const { ticket } = openTicket({ ...base, channel: 'phone', request: { product: 'player', productVersion: '2', description: 'How to install?' } }, receivedAt);
    expect(ticket.level).toBe('consulting');
  });

  it('P7: "Attention Technical Support Team Leader" anywhere flags the ticket', () => {
    expect(mentionsTeamLeader('Re: ATTENTION technical support   team leader please')).toBe(true);
    expect(mentionsTeamLeader('team leader', undefined)).toBe(false);
    expect(mentionsTeamLeader('Please, attention\r\n technical SUPPORT\tteam\nleader!')).toBe(true);
    const { ticket, effects } = openTicket(
      { ...base, channel: 'api', request: { product: 'reader', productVersion: '1', subject: 'Attention Technical Support Team Leader', description: 'Still broken' } },
      receivedAt,
    );
    expect(ticket.teamLeaderRequested).toBe(true);
    expect(effects.at(-1)).toEqual({ kind: 'team_leader_requested', quote: 'Attention Technical Support Team Leader\n\nStill broken' });
  });
});

describe('P7: the team-leader phrase inside quoted history is not a new request', () => {
  it.each([
    ['a > quoted line', 'Thanks, still broken.\n> Attention Technical Support Team Leader\n> please help'],
    ['an "On … wrote:" introduction', 'Thanks.\n\nOn Mon, 1 Dec 2026 at 10:00, Ann <ann@example.com> wrote:\nAttention Technical Support Team Leader'],
    ['a Russian "пишет:" introduction', 'Спасибо.\n1 декабря 2026 г., Анна пишет:\nAttention Technical Support Team Leader'],
    ['an Outlook original message', 'ok\n-----Original Message-----\nAttention Technical Support Team Leader'],
  ])('%s', (_name, text) => {
    expect(mentionsTeamLeader(text)).toBe(false);
    expect(withoutQuotedHistory(text).split('\n')[0]).not.toMatch(/attention/i);
  });

  it('but the phrase above the quote counts', () => {
    expect(mentionsTeamLeader('Attention Technical Support Team Leader\n\nOn Mon, Ann wrote:\n> old text')).toBe(true);
  });
});

describe('P11: an e-mail reply to the resolved mail', () => {
  const DAY = 24 * 3_600_000;
  const at = (ms: number) => new Date(receivedAt.getTime() + ms);
  const changed = (c: Change | { followUp: true }): { ticket: Ticket; effects: { kind: string }[] } => {
    if (!('ticket' in c)) throw new Error(`unexpected ${JSON.stringify(c)}`);
    return c;
  };
  const resolved = (): Ticket => {
    const filed = openTicket({ ...base, channel: 'email', request: { product: 'reader', productVersion: '4', description: 'Crash' } }, receivedAt).ticket;
    return changed(applyPatch(filed, { status: 'resolved' }, receivedAt, 14 * DAY)).ticket;
  };
  const reply = (channel: 'email' | 'api' | 'site', id = 'm1') => ({ id, channel, attachmentIds: [], subject: 'Re: [TSS-01234-56789] Resolved', body: 'Still crashes.' });

  it('inside the reopen window reopens the ticket as the reopen request does, saying it came by mail', () => {
    const now = at(3 * DAY);
    const replied = changed(receiveRequesterMessage(resolved(), reply('email'), now));
    expect(replied.ticket).toEqual(changed(reopen(resolved(), now, MAIL_REPLY_REOPEN_REASON)).ticket);
    expect(replied.ticket).toMatchObject({ status: 'open', responseOwed: true, resolvedAt: undefined, reopenWindowEndsAt: undefined });
    expect(replied.effects).toEqual([
      { kind: 'message_received', messageId: 'm1', channel: 'email', attachmentIds: [] },
      { kind: 'reopened', reason: MAIL_REPLY_REOPEN_REASON },
      { kind: 'status_changed', from: 'resolved', to: 'open', reason: MAIL_REPLY_REOPEN_REASON },
    ]);
    expect(MAIL_REPLY_REOPEN_REASON).toMatch(/e-mail/);
    expect(mailReplyFollowsUp(resolved(), now)).toBe(false);

    // A further mail on the reopened ticket is a message: it reopens nothing twice.
    const again = changed(receiveRequesterMessage(replied.ticket, reply('email', 'm2'), at(3 * DAY + 1)));
    expect(again.ticket).toMatchObject({ status: 'open', responseOwed: true });
    expect(again.effects.map((e) => e.kind)).toEqual(['message_received']);
  });

  it("the requester's reply on the support site reopens it as their mail does, saying it came from the site", () => {
    const now = at(3 * DAY);
    const replied = changed(receiveRequesterMessage(resolved(), reply('site'), now));
    expect(replied.ticket).toEqual(changed(reopen(resolved(), now, SITE_REPLY_REOPEN_REASON)).ticket);
    expect(replied.effects).toEqual([
      { kind: 'message_received', messageId: 'm1', channel: 'site', attachmentIds: [] },
      { kind: 'reopened', reason: SITE_REPLY_REOPEN_REASON },
      { kind: 'status_changed', from: 'resolved', to: 'open', reason: SITE_REPLY_REOPEN_REASON },
    ]);
    expect(SITE_REPLY_REOPEN_REASON).toMatch(/support site/);
    // After the window it reopens nothing (the site's "not solved" files the follow-up).
    const late = changed(receiveRequesterMessage(resolved(), reply('site'), at(14 * DAY)));
    expect(late.ticket).toMatchObject({ status: 'resolved', responseOwed: false });
  });

  it("a partner platform's message through the API stays a comment: it has the reopen request", () => {
    const commented = changed(receiveRequesterMessage(resolved(), reply('api'), at(DAY)));
    expect(commented.ticket).toMatchObject({ status: 'resolved', responseOwed: false });
    expect(commented.effects.map((e) => e.kind)).toEqual(['message_received']);
  });

  it('mail from another address than the requester\'s is threaded but reopens nothing: only the requester may', () => {
    const commented = changed(receiveRequesterMessage(resolved(), { ...reply('email'), fromRequester: false }, at(DAY)));
    expect(commented.ticket).toMatchObject({ status: 'resolved', responseOwed: false });
    expect(commented.effects.map((e) => e.kind)).toEqual(['message_received']);
  });

  it('once the window has ended the mail follows up in a new ticket, as after the ticket closes', () => {
    const end = at(14 * DAY);
    expect(mailReplyFollowsUp(resolved(), at(14 * DAY - 1))).toBe(false);
    expect(mailReplyFollowsUp(resolved(), end)).toBe(true);
    expect(mailReplyFollowsUp({ ...resolved(), status: 'closed' }, at(DAY))).toBe(true);
    expect(mailReplyFollowsUp({ ...resolved(), status: 'open' }, end)).toBe(false);
    // Were it threaded all the same, it would reopen nothing.
    const late = changed(receiveRequesterMessage(resolved(), reply('email'), end));
    expect(late.ticket).toMatchObject({ status: 'resolved', responseOwed: false });
    expect(late.effects.map((e) => e.kind)).toEqual(['message_received']);
  });
});
