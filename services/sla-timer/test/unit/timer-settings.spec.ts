import { ConfigError, loadConfig } from '@tss/service-kit';
import { SlaTimerEnv } from '../../src/sla-timer.config';

const settings = (env: NodeJS.ProcessEnv) => loadConfig(SlaTimerEnv, env);

describe('sla-timer timer worker settings (docs/adr/0041, 0046, 0051), in its config schema (docs/adr/0015)', () => {
  it('SLA_TIMER_CONCURRENCY: three batches at once by default (docs/adr/0059), 1 to 16 accepted, anything else refused with the variable named', () => {
    expect(settings({}).SLA_TIMER_CONCURRENCY).toBe(3);
    expect(settings({ SLA_TIMER_CONCURRENCY: '1' }).SLA_TIMER_CONCURRENCY).toBe(1);
    expect(settings({ SLA_TIMER_CONCURRENCY: '16' }).SLA_TIMER_CONCURRENCY).toBe(16);
    for (const bad of ['0', '17', '1.5', 'two', ' ']) expect(() => settings({ SLA_TIMER_CONCURRENCY: bad })).toThrow(/SLA_TIMER_CONCURRENCY=/);
  });

  it('SLA_TIMER_BATCH_SIZE: 250 by default, 1 to 10,000 accepted', () => {
    expect(settings({}).SLA_TIMER_BATCH_SIZE).toBe(250);
    expect(settings({ SLA_TIMER_BATCH_SIZE: '100' }).SLA_TIMER_BATCH_SIZE).toBe(100);
    expect(() => settings({ SLA_TIMER_BATCH_SIZE: '0' })).toThrow(/SLA_TIMER_BATCH_SIZE=/);
  });

  it('several bad ones, the timer retention\'s included, are one ConfigError naming each', () => {
    const refused = (() => {
      try {
        settings({ SLA_TIMER_BATCH_SIZE: '0', SLA_TIMER_CONCURRENCY: 'x', TIMER_RETENTION_DAYS: '0' });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems.map((p) => p.split('=')[0])).toEqual(['TIMER_RETENTION_DAYS', 'SLA_TIMER_BATCH_SIZE', 'SLA_TIMER_CONCURRENCY']);
  });
});
