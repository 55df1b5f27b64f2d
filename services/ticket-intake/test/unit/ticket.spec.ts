import { openTicket } from '../../src/domain/ticket';
import { mentionsTeamLeader, missingDetails, withoutQuotedHistory } from '../../src/domain/ticket-request';

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
