import { timerBatchSize, timerConcurrency } from '../../src/index';

describe('sla-timer timer worker settings (docs/adr/0041, 0046, 0051)', () => {
  it('SLA_TIMER_CONCURRENCY: three batches at once by default (docs/adr/0059), 1 to 16 accepted, anything else refused with the variable named', () => {
    expect(timerConcurrency({})).toBe(3);
    expect(timerConcurrency({ SLA_TIMER_CONCURRENCY: ' ' })).toBe(3);
    expect(timerConcurrency({ SLA_TIMER_CONCURRENCY: '1' })).toBe(1);
    expect(timerConcurrency({ SLA_TIMER_CONCURRENCY: '16' })).toBe(16);
    for (const bad of ['0', '17', '1.5', 'two']) expect(() => timerConcurrency({ SLA_TIMER_CONCURRENCY: bad })).toThrow(/SLA_TIMER_CONCURRENCY/);
  });

  it('SLA_TIMER_BATCH_SIZE: 250 by default, 1 to 10,000 accepted', () => {
    expect(timerBatchSize({})).toBe(250);
    expect(timerBatchSize({ SLA_TIMER_BATCH_SIZE: '100' })).toBe(100);
    expect(() => timerBatchSize({ SLA_TIMER_BATCH_SIZE: '0' })).toThrow(/SLA_TIMER_BATCH_SIZE/);
  });
});
