import type { TSchema } from '@sinclair/typebox';
import { GatewayProcessEnv } from '@tss/gateway';
import { processConfigSchema, ServiceProcessEnv, ServiceMigrateEnv } from '@tss/runtime';
import { envSchema } from '@tss/service-kit';
import { SingleProcessEnv } from '../../src/single-process.config';
import { ALL_SERVICES } from '../../src/single-process-platform';

/** Every setting any process reads: the single process's schema and the services-mode processes' (the gateway's entry included). */
const EVERY_SETTING: Record<string, TSchema> = {
  ...processConfigSchema(SingleProcessEnv, envSchema({}), ALL_SERVICES).properties,
  ...processConfigSchema(ServiceProcessEnv, GatewayProcessEnv, ALL_SERVICES).properties,
  ...ServiceMigrateEnv.properties,
};

const MS_PER: Record<string, number> = { MS: 1, SECONDS: 1_000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 };
const DURATION = /_(MS|SECONDS|MINUTES|HOURS|DAYS)$/;

/**
 * Durations that are only ever an age compared with the clock (a retention period, a link's or a
 * key's lifetime, a reopening window), never a timer's delay: bounded, but may pass Node's limit.
 */
const AGES = new Set([
  'EVENT_RETENTION_DAYS',
  'TIMER_RETENTION_DAYS',
  'WEBHOOK_RETENTION_DAYS',
  'REOPEN_WINDOW_DAYS',
  'TSS_SITE_LINK_TTL_MS',
  'RATING_LINK_TTL_MS',
  'TSS_SIGNING_KEY_MAX_AGE_HOURS',
]);

/** Node runs a timer of more than this after 1 ms (TimeoutOverflowWarning). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

describe('duration settings are bounded (docs/adr/0015, addendum of 2026-12-05, fourth session)', () => {
  const durations = Object.entries(EVERY_SETTING).filter(([name]) => DURATION.test(name));

  it('there are durations to check (the list is built from the schemas, not by hand)', () => {
    expect(durations.length).toBeGreaterThan(25);
  });

  it('every duration setting has a maximum in its schema', () => {
    expect(durations.filter(([, schema]) => typeof schema.maximum !== 'number').map(([name]) => name)).toEqual([]);
  });

  it("every duration that becomes a timer's delay is at most 2^31-1 ms once converted, so none fires after 1 ms", () => {
    const tooLong = durations
      .filter(([name]) => !AGES.has(name))
      .filter(([name, schema]) => typeof schema.maximum === 'number' && schema.maximum * MS_PER[DURATION.exec(name)![1]] > MAX_TIMER_DELAY_MS)
      .map(([name, schema]) => `${name} (maximum ${String(schema.maximum)})`);
    expect(tooLong).toEqual([]);
  });
});
