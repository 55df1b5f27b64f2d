import { openTicket, type Change, type Ticket } from '../../src/domain/ticket';

/** The instant the domain tests file their ticket at. */
export const T0 = new Date('2026-03-01T10:00:00.000Z');

/** A ticket filed by API at T0 (new, standard, a response owed), with `over` laid on it. */
export const filedTicket = (over: Partial<Ticket> = {}): Ticket => ({
  ...openTicket(
    {
      id: '6f1c3ad2-8f55-4cb5-9a45-5a4c0c6f8f0e',
      partnerId: 'a3b0c9b8-61a4-4d43-9d7c-8d8c6a0e3f11',
      reference: 'TSS-01234-56789',
      channel: 'api',
      request: { product: 'reader', productVersion: '4', description: 'Crash' },
    },
    T0,
  ).ticket,
  ...over,
});

/** The outcome of a change the test expects to be allowed; a refusal or a follow-up fails the test. */
export const changed = (c: Change | { followUp: true }): { ticket: Ticket; effects: { kind: string }[] } => {
  if ('followUp' in c) throw new Error('unexpected follow-up');
  if ('violation' in c) throw new Error(`unexpected violation: ${c.violation.detail}`);
  return c;
};

/** The refusal of a change, if it was refused. */
export const violation = (c: Change) => ('violation' in c ? c.violation : undefined);
