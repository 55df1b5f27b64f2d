import type { TicketStatus } from '@tss/contracts';
import { openFollowUp } from '../../src/domain/follow-up';

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
