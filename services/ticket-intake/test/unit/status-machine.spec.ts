import {
  TRANSITIONS,
  applyPatch,
  applyReferral,
  assign,
  closeAfterReopenWindow,
  receiveAgentMessage,
  receiveRequesterMessage,
  reopen,
  type Change,
  type Ticket,
} from '../../src/domain/ticket';
import { changed, filedTicket, T0, violation } from './ticket-fixtures';

const t0 = T0;
const later = (ms: number) => new Date(t0.getTime() + ms);
const DAY = 24 * 3_600_000;
const filed = (): Ticket => filedTicket();

describe('the ticket status machine (issue #9)', () => {
  it('refuses an illegal transition, naming the allowed ones', () => {
    const resolved = changed(applyPatch(filed(), { status: 'resolved' }, t0)).ticket;
    expect(violation(applyPatch(resolved, { status: 'awaiting_customer', waitReason: 'malware' }, t0))).toEqual({
      kind: 'invalid_transition',
      detail: 'A resolved ticket cannot become awaiting_customer.',
      allowed: ['open', 'closed'],
    });
    const closed = changed(applyPatch(resolved, { status: 'closed' }, t0)).ticket;
    expect(violation(applyPatch(closed, { status: 'open' }, t0))).toMatchObject({ kind: 'invalid_transition', allowed: [] });
    // A change that is no status change is a plain conflict on a closed ticket.
    expect(violation(applyPatch(closed, { category: 'theory' }, t0))).toMatchObject({ kind: 'conflict' });
  });

  it('every status but closed has a way out; closed has none', () => {
    for (const [status, next] of Object.entries(TRANSITIONS)) expect(next.length > 0).toBe(status !== 'closed');
  });

  it('P10: waiting on the customer needs a requester-side reason, and stops the response owed', () => {
    expect(violation(applyPatch(filed(), { status: 'awaiting_customer' }, t0))).toMatchObject({ kind: 'unprocessable', field: 'waitReason' });
    const waiting = changed(applyPatch(filed(), { status: 'awaiting_customer', waitReason: 'cannot_reproduce' }, t0));
    expect(waiting.ticket).toMatchObject({ status: 'awaiting_customer', waitReason: 'cannot_reproduce', responseOwed: false });
    expect(waiting.effects).toEqual([{ kind: 'status_changed', from: 'new', to: 'awaiting_customer', reason: 'cannot_reproduce' }]);
  });

  it('P10: a support-side delay is recorded and the response stays owed', () => {
    const delayed = changed(applyPatch(filed(), { supportDelay: 'needs_diagnostics' }, t0));
    expect(delayed.ticket).toMatchObject({ status: 'new', supportDelay: 'needs_diagnostics', responseOwed: true });
    expect(delayed.effects).toEqual([{ kind: 'status_changed', from: 'new', to: 'new', reason: 'support_delay:needs_diagnostics' }]);
  });

  it('P5: reclassifying confirms the level; emergency needs a confirmed critical error', () => {
    expect(violation(applyPatch(filed(), { level: 'emergency' }, t0))).toMatchObject({ kind: 'unprocessable', field: 'criticalErrorConfirmed' });
    const up = changed(applyPatch(filed(), { level: 'emergency', criticalErrorConfirmed: true }, t0));
    expect(up.ticket).toMatchObject({ level: 'emergency', levelConfirmed: true });
    expect(up.effects).toEqual([{ kind: 'level_changed', from: 'standard', to: 'emergency', confirmed: true }]);
    const confirmed = changed(applyPatch(filed(), { levelConfirmed: true }, t0));
    expect(confirmed.effects).toEqual([{ kind: 'level_changed', from: 'standard', to: 'standard', confirmed: true }]);
  });

  it('P5: development is a referral, and only the referral route refers (docs/adr/0039, fifth session)', () => {
    expect(violation(applyPatch(filed(), { level: 'development' }, t0))).toMatchObject({ kind: 'unprocessable', field: 'level' });
    expect(violation(applyPatch(filed(), { status: 'referred' }, t0))).toMatchObject({ kind: 'unprocessable', field: 'status' });
    expect(violation(applyPatch(filed(), { status: 'referred', level: 'standard' }, t0))).toMatchObject({ field: 'level' });
    const byReferral = changed(applyReferral(filed(), { referralId: 'r-1', target: 'development', reason: 'code fix' }, t0));
    expect(byReferral.ticket).toMatchObject({ level: 'development', status: 'referred', responseOwed: true });
  });

  it('P6: closing unresolved work needs an out-of-scope reason and a third party; a feature request owes nothing', () => {
    expect(violation(applyPatch(filed(), { status: 'closed' }, t0))).toMatchObject({ kind: 'unprocessable', field: 'closure' });
    const out = changed(applyPatch(filed(), { status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } }, t0));
    expect(out.ticket).toMatchObject({ status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' }, closedAt: t0 });
    expect(out.effects.at(-1)).toEqual({ kind: 'closed', reason: 'malware_removal', thirdParty: 'security_software_vendor' });
    expect(changed(applyPatch(filed(), { status: 'feature_request' }, t0)).ticket).toMatchObject({ status: 'feature_request', responseOwed: false });
  });

  it('P5: a requester message on a ticket awaiting them reopens the work and owes a response; a public reply gives it', () => {
    const waiting = changed(applyPatch(filed(), { status: 'awaiting_customer', waitReason: 'insufficient_information' }, t0)).ticket;
    const replied = changed(receiveRequesterMessage(waiting, { id: 'm1', channel: 'email', attachmentIds: [], body: 'More detail' }, t0));
    expect(replied.ticket).toMatchObject({ status: 'open', responseOwed: true, waitReason: undefined });
    expect(replied.effects.map((e) => e.kind)).toEqual(['message_received', 'status_changed']);
    const answered = changed(receiveAgentMessage(replied.ticket, { id: 'm2', authorId: 'agent-1', visibility: 'public' }));
    expect(answered.ticket.responseOwed).toBe(false);
    expect(answered.effects).toEqual([
      { kind: 'agent_replied', messageId: 'm2', authorId: 'agent-1' },
      { kind: 'responded', messageId: 'm2', authorId: 'agent-1' },
    ]);
    expect(changed(receiveAgentMessage(answered.ticket, { id: 'm3', authorId: 'agent-1', visibility: 'public' })).effects).toEqual([
      { kind: 'agent_replied', messageId: 'm3', authorId: 'agent-1' },
    ]);
    expect(changed(receiveAgentMessage(replied.ticket, { id: 'm4', authorId: 'agent-1', visibility: 'internal' })).effects).toEqual([]);
  });

  // An outside test: a second public answer reached the thread but no event, so no mail and no webhook.
  describe('P8: every public agent message is announced, owed or not (ticket.agent_replied)', () => {
    it('the reply that gives the response owed: the message, then the response it gives, then the work begins', () => {
      const first = changed(receiveAgentMessage(filed(), { id: 'm1', authorId: 'agent-1', visibility: 'public', body: 'First answer' }));
      expect(first.effects).toEqual([
        { kind: 'agent_replied', messageId: 'm1', authorId: 'agent-1', body: 'First answer' },
        { kind: 'responded', messageId: 'm1', authorId: 'agent-1', body: 'First answer' },
        { kind: 'status_changed', from: 'new', to: 'open', reason: 'agent_replied' },
      ]);
    });

    it('a second public reply, with no response owed: the message alone, and what is owed stays as it was', () => {
      const answered = changed(receiveAgentMessage(filed(), { id: 'm1', authorId: 'agent-1', visibility: 'public', body: 'First answer' })).ticket;
      const second = changed(receiveAgentMessage(answered, { id: 'm2', authorId: 'agent-2', visibility: 'public', body: 'Second answer' }));
      expect(second.effects).toEqual([{ kind: 'agent_replied', messageId: 'm2', authorId: 'agent-2', body: 'Second answer' }]);
      expect(second.ticket).toEqual(answered);
    });

    it('a reply on a resolved ticket is announced too; an internal note never is', () => {
      const resolved = changed(applyPatch(filed(), { status: 'resolved' }, t0, 14 * DAY)).ticket;
      expect(changed(receiveAgentMessage(resolved, { id: 'm5', authorId: 'agent-1', visibility: 'public', body: 'One more tip' })).effects).toEqual([
        { kind: 'agent_replied', messageId: 'm5', authorId: 'agent-1', body: 'One more tip' },
      ]);
      expect(changed(receiveAgentMessage(resolved, { id: 'm6', authorId: 'agent-1', visibility: 'internal', body: 'Note to self' })).effects).toEqual([]);
      expect(changed(receiveAgentMessage(filed(), { id: 'm7', authorId: 'agent-1', visibility: 'internal', body: 'Note to self' })).effects).toEqual([]);
    });
  });

  it('assignment opens a new ticket', () => {
    const { ticket, effects } = assign(filed(), 'agent-7');
    expect(ticket).toMatchObject({ status: 'open', assigneeId: 'agent-7' });
    expect(effects.map((e) => e.kind)).toEqual(['assigned', 'status_changed']);
  });

  it('P11: reopening inside the window owes a response again; after it, or once closed, it is a follow-up', () => {
    const resolved = changed(applyPatch(filed(), { status: 'resolved' }, t0, 14 * DAY)).ticket;
    expect(resolved.reopenWindowEndsAt).toEqual(later(14 * DAY));
    const reopened = changed(reopen(resolved, later(3 * DAY), 'still crashes') as Change);
    expect(reopened.ticket).toMatchObject({ status: 'open', responseOwed: true, resolvedAt: undefined });
    expect(reopened.effects.map((e) => e.kind)).toEqual(['reopened', 'status_changed']);
    expect(reopen(resolved, later(14 * DAY), 'late')).toEqual({ followUp: true });
    expect(violation(reopen(filed(), t0) as Change)).toMatchObject({ kind: 'invalid_transition' });
  });

  it('P11: the end of the reopen window closes a resolved ticket, and nothing else', () => {
    const resolved = changed(applyPatch(filed(), { status: 'resolved' }, t0, 14 * DAY)).ticket;
    expect(closeAfterReopenWindow(resolved, later(13 * DAY))).toBeUndefined();
    const closed = changed(closeAfterReopenWindow(resolved, later(14 * DAY))!);
    expect(closed.ticket).toMatchObject({ status: 'closed', closure: { reason: 'reopen_window_ended' } });
    expect(closeAfterReopenWindow(filed(), later(30 * DAY))).toBeUndefined();
  });
});
