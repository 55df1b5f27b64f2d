import { decideHeldMail, MAIL_HOLD_MAX_MS, MAIL_HOLD_RECHECK_MS, MAIL_HOLD_RECHECK_SOON_MS } from '../src/domain/mail-ticket-line';

/** A held mail, its ticket's earlier mails, and the time: what becomes of it (docs/adr/0035, addendum of 2026-12-05, seventh session). */
describe('decideHeldMail', () => {
  const queuedAt = new Date('2026-12-05T09:00:00.000Z');
  const at = (ms: number) => new Date(queuedAt.getTime() + ms);

  it('nothing pending ahead any more: it is sent', () => {
    expect(decideHeldMail(queuedAt, { pending: 0, locked: 0 }, at(5_000))).toEqual({ kind: 'send', overdue: false });
  });

  it('behind a pending mail this check locked: it waits for that one’s release, looking again after ten minutes', () => {
    expect(decideHeldMail(queuedAt, { pending: 2, locked: 2 }, at(5_000))).toEqual({ kind: 'hold', recheckAt: at(5_000 + MAIL_HOLD_RECHECK_MS), busyAhead: false });
  });

  it('behind a mail another transaction was changing (ended, perhaps, unseen): it looks again within a second, and is watched', () => {
    expect(decideHeldMail(queuedAt, { pending: 2, locked: 1 }, at(5_000))).toEqual({ kind: 'hold', recheckAt: at(5_000 + MAIL_HOLD_RECHECK_SOON_MS), busyAhead: true });
  });

  it('a day after it was queued it waits no longer: sent, out of order', () => {
    expect(decideHeldMail(queuedAt, { pending: 1, locked: 1 }, at(MAIL_HOLD_MAX_MS))).toEqual({ kind: 'send', overdue: true });
    expect(decideHeldMail(queuedAt, { pending: 1, locked: 1 }, at(MAIL_HOLD_MAX_MS + 1))).toEqual({ kind: 'send', overdue: true });
  });

  it('its last look comes when the day is up, not later', () => {
    expect(decideHeldMail(queuedAt, { pending: 1, locked: 1 }, at(MAIL_HOLD_MAX_MS - 60_000))).toEqual({ kind: 'hold', recheckAt: at(MAIL_HOLD_MAX_MS), busyAhead: false });
  });
});
