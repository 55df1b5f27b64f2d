import { ConfigError } from '@tss/service-kit';
import { hostSettingsFrom } from '../src';

describe('what the runtime reads for every hosted service (ServiceHostEnv, docs/adr/0015)', () => {
  it('defaults: relay batches of 500, events kept 7 days and pruned hourly in batches of 1000, hot statements prepared, a request waits 15 s for PostgreSQL', () => {
    expect(hostSettingsFrom({})).toEqual({
      relayBatchSize: 500,
      retention: { retentionMs: 7 * 86_400_000, intervalMs: 3_600_000, batchSize: 1_000 },
      preparedStatements: true,
      answerTimeoutMs: 15_000,
    });
  });

  it('DB_ANSWER_TIMEOUT_MS is bounded: 100 ms to 10 min (docs/adr/0073)', () => {
    expect(hostSettingsFrom({ DB_ANSWER_TIMEOUT_MS: '100' }).answerTimeoutMs).toBe(100);
    expect(hostSettingsFrom({ DB_ANSWER_TIMEOUT_MS: '600000' }).answerTimeoutMs).toBe(600_000);
    for (const value of ['99', '600001', '15s', '0']) expect(() => hostSettingsFrom({ DB_ANSWER_TIMEOUT_MS: value })).toThrow(/DB_ANSWER_TIMEOUT_MS/);
  });

  it('PG_PREPARED_STATEMENTS is `on` or `off`; anything else is refused with its name, not read as off (docs/adr/0058)', () => {
    expect(hostSettingsFrom({ PG_PREPARED_STATEMENTS: 'on' }).preparedStatements).toBe(true);
    expect(hostSettingsFrom({ PG_PREPARED_STATEMENTS: 'off' }).preparedStatements).toBe(false);
    for (const value of ['yes', 'true', 'ON', '1']) {
      expect(() => hostSettingsFrom({ PG_PREPARED_STATEMENTS: value })).toThrow(ConfigError);
      expect(() => hostSettingsFrom({ PG_PREPARED_STATEMENTS: value })).toThrow(`PG_PREPARED_STATEMENTS=${JSON.stringify(value)}: Expected one of "on", "off"`);
    }
  });
});
