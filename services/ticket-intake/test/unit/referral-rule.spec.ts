import { applyPatch, applyReferral, closeAfterReopenWindow, filedLevelViolation, openTicket, receiveRequesterMessage, reopen, type Ticket } from '../../src/domain/ticket';
import { changed, filedTicket, T0, violation } from './ticket-fixtures';

const t0 = T0;
const DAY = 24 * 3_600_000;

const filed = (over: Partial<Ticket> = {}): Ticket => filedTicket(over);
const referred = (): Ticket => changed(applyReferral(filed(), { referralId: 'r-dev', target: 'development', reason: 'needs a code change' }, t0)).ticket;

// P5, rule 5.4, docs/adr/0029: level development and status referred are one fact.
describe('P5: level development only by referral (docs/adr/0029, addendum of 2026-12-04)', () => {
  it('a request is never filed at development, by a partner or by staff; a follow-up of an older request starts with support', () => {
    expect(filedLevelViolation({ channel: 'api', level: 'development', levelConfirmed: false })).toMatchObject({ kind: 'unprocessable', field: 'level' });
    expect(filedLevelViolation({ channel: 'phone', level: 'development', levelConfirmed: true })).toMatchObject({ kind: 'unprocessable', field: 'level' });
    expect(filedLevelViolation({ channel: 'api', level: 'development', levelConfirmed: false })?.detail).toContain('/referrals');
    const { ticket } = openTicket({ id: 'x', partnerId: 'p', reference: 'TSS-01234-56789', channel: 'api', request: { description: 'old', level: 'development' } }, t0);
    expect(ticket).toMatchObject({ status: 'new', level: 'standard' });
  });

  it('reclassifying a referred ticket is refused: it goes back to support only with status open and the level it returns to', () => {
    const ticket = referred();
    expect(violation(applyPatch(ticket, { level: 'standard' }, t0))).toMatchObject({ kind: 'unprocessable', field: 'level' });
    expect(violation(applyPatch(ticket, { status: 'open' }, t0))).toMatchObject({ kind: 'unprocessable', field: 'level' });
    expect(violation(applyPatch(ticket, { status: 'open', level: 'emergency' }, t0))).toMatchObject({ field: 'criticalErrorConfirmed' });
    const back = changed(applyPatch(ticket, { status: 'open', level: 'consulting' }, t0));
    expect(back.ticket).toMatchObject({ status: 'open', level: 'consulting', levelConfirmed: true, responseOwed: true });
    // sla-timer re-targets the development clock to the returned level (P5), then sees the status.
    expect(back.effects).toEqual([
      { kind: 'level_changed', from: 'development', to: 'consulting', confirmed: true },
      { kind: 'status_changed', from: 'referred', to: 'open' },
    ]);
  });

  // An outside tester: PATCH {"level":"development"} referred the ticket with no referral, no reason
  // and no developer told (docs/adr/0039, addendum of 2026-12-05, fifth session).
  it('P7: an agent\'s PATCH never refers: level development or status referred is refused, naming the referral route', () => {
    for (const [patch, field] of [
      [{ level: 'development' }, 'level'],
      [{ status: 'referred' }, 'status'],
      [{ status: 'referred', level: 'development', note: 'needs a code change' }, 'level'],
    ] as const) {
      const refused = violation(applyPatch(filed(), patch, t0));
      expect(refused).toMatchObject({ kind: 'unprocessable', field });
      expect(refused?.detail).toContain('POST /v1/tickets/6f1c3ad2-8f55-4cb5-9a45-5a4c0c6f8f0e/referrals');
    }
    const waiting = changed(applyPatch(filed(), { status: 'awaiting_customer', waitReason: 'cannot_reproduce' }, t0)).ticket;
    expect(violation(applyPatch(waiting, { status: 'referred' }, t0))).toMatchObject({ field: 'status' });
    // The referral escalation recorded is applied as the same change, with its own entry.
    const byReferral = changed(applyReferral(filed(), { referralId: 'r-1', target: 'development', reason: 'needs a code change' }, t0));
    expect(byReferral.ticket).toMatchObject({ level: 'development', status: 'referred', responseOwed: true });
    expect(byReferral.effects.map((e) => e.kind)).toEqual(['level_changed', 'status_changed', 'referral_applied']);
  });

  it('development is entered only together with referred', () => {
    expect(violation(applyPatch(filed(), { level: 'development', status: 'awaiting_customer', waitReason: 'cannot_reproduce' }, t0))).toMatchObject({ field: 'level' });
    expect(violation(applyPatch(filed(), { level: 'development', status: 'resolved' }, t0))).toMatchObject({ field: 'level' });
    expect(violation(applyPatch(filed(), { level: 'development', status: 'open' }, t0))).toMatchObject({ field: 'level' });
  });

  it('a ticket left at new or open at development (filed before this rule) is refused every change until it names its level or is referred', () => {
    const stray = filed({ level: 'development' });
    expect(violation(applyPatch(stray, { levelConfirmed: true }, t0))).toMatchObject({ field: 'level' });
    // Nobody told the department of it: only the referral route sends it there (docs/adr/0039, fifth session).
    expect(violation(applyPatch(stray, { status: 'referred' }, t0))).toMatchObject({ field: 'status' });
    expect(changed(applyReferral(stray, { referralId: 'r-2', target: 'development', reason: 'x' }, t0)).ticket).toMatchObject({ status: 'referred', level: 'development' });
    expect(changed(applyPatch(stray, { level: 'standard' }, t0)).ticket).toMatchObject({ status: 'new', level: 'standard' });
  });

  it('the development department waits on the requester at development; their answer goes back to it, owing a response', () => {
    const waiting = changed(applyPatch(referred(), { status: 'awaiting_customer', waitReason: 'insufficient_information' }, t0)).ticket;
    expect(waiting).toMatchObject({ status: 'awaiting_customer', level: 'development', responseOwed: false });
    const answered = changed(receiveRequesterMessage(waiting, { id: 'm1', channel: 'api', attachmentIds: [], body: 'Logs attached' }, t0));
    expect(answered.ticket).toMatchObject({ status: 'referred', level: 'development', responseOwed: true });
    expect(answered.effects).toContainEqual({ kind: 'status_changed', from: 'awaiting_customer', to: 'referred', reason: 'requester_replied' });
    expect(violation(applyPatch(waiting, { status: 'open' }, t0))).toMatchObject({ field: 'level' });
    expect(changed(applyPatch(waiting, { status: 'referred' }, t0)).ticket).toMatchObject({ status: 'referred', responseOwed: true });
  });

  it('P11: reopening what the development department resolved takes it back there', () => {
    const resolved = changed(applyPatch(referred(), { status: 'resolved' }, t0, 14 * DAY)).ticket;
    const reopened = changed(reopen(resolved, new Date(t0.getTime() + DAY), 'still broken'));
    expect(reopened.ticket).toMatchObject({ status: 'referred', level: 'development', responseOwed: true, resolvedAt: undefined });
    expect(reopened.effects.map((e) => e.kind)).toEqual(['reopened', 'status_changed']);
    expect(violation(applyPatch(resolved, { status: 'open' }, t0))).toMatchObject({ field: 'level' });
  });
});

// P7, docs/adr/0039 (addendum of 2026-12-04, fifth session): quality reviews finished tickets too.
describe('P7: a quality referral of a resolved or closed ticket', () => {
  const quality = { referralId: 'r-quality', target: 'quality' as const, reason: 'Complaint about the answer.' };
  const resolved = (): Ticket => changed(applyPatch(filed(), { status: 'resolved' }, t0, 14 * DAY)).ticket;
  const closed = (): Ticket => changed(closeAfterReopenWindow(resolved(), new Date(t0.getTime() + 15 * DAY))!).ticket;

  it('is applied and changes nothing else: no reopening, no status or level change, no response owed (so no clock)', () => {
    for (const finished of [resolved(), closed()]) {
      const { ticket, effects } = changed(applyReferral(finished, quality, new Date(t0.getTime() + 20 * DAY)));
      expect(ticket).toEqual(finished);
      // The reason goes on the referral's own (staff-only) history entry (docs/adr/0039, seventh session).
      expect(effects).toEqual([{ kind: 'referral_applied', referralId: 'r-quality', target: 'quality', note: 'Complaint about the answer.' }]);
    }
  });

  it('development and design referrals of a closed ticket stay refused', () => {
    for (const target of ['development', 'design'] as const) {
      expect(violation(applyReferral(closed(), { ...quality, target }, t0))).toMatchObject({ kind: 'invalid_transition', detail: 'The ticket is closed.' });
    }
  });
});
