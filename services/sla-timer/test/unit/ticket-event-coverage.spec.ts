import { contractsOf } from '@tss/contracts';
import { TimerStore } from '@tss/timers';
import { ticketEventHandlers } from '../../src/events/ticket-events.handlers';

/**
 * sla-timer checks each ticket's events arrive in sequence: an event type intake numbers but
 * sla-timer does not consume leaves a gap, and every later event of that ticket waits for it
 * (then goes to the dead letters). So every `ticket.*` contract must have a handler here.
 */
describe('sla-timer consumes every ticket event intake produces', () => {
  it('has a handler for each ticket.* contract of the catalogue', () => {
    const handlers = ticketEventHandlers({ timers: new TimerStore({ schema: 'sla_timer', clock: { now: () => new Date() } as never }) });
    const consumed = new Set(handlers.map((h) => `${h.contract.type}@${h.contract.version}`));
    const produced = contractsOf('ticket-intake').map((c) => `${c.type}@${c.version}`);
    expect(produced.filter((key) => !consumed.has(key))).toEqual([]);
  });
});
