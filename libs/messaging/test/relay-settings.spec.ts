import { OUTBOX_RELAY_BATCH_SIZE, relayBatchSizeFrom } from '../src/outbox/outbox-relay';

describe('outbox relay settings (docs/adr/0051)', () => {
  it('OUTBOX_RELAY_BATCH_SIZE: 500 rows per drain by default, 1 to 5,000 accepted, anything else refused with the variable named', () => {
    expect(OUTBOX_RELAY_BATCH_SIZE).toBe(500);
    expect(relayBatchSizeFrom({})).toBe(500);
    expect(relayBatchSizeFrom({ OUTBOX_RELAY_BATCH_SIZE: '' })).toBe(500);
    expect(relayBatchSizeFrom({ OUTBOX_RELAY_BATCH_SIZE: '1' })).toBe(1);
    expect(relayBatchSizeFrom({ OUTBOX_RELAY_BATCH_SIZE: '5000' })).toBe(5000);
    for (const bad of ['0', '5001', '2.5', 'many', ' ']) expect(() => relayBatchSizeFrom({ OUTBOX_RELAY_BATCH_SIZE: bad })).toThrow(/OUTBOX_RELAY_BATCH_SIZE=/);
  });
});
