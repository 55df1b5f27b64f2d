import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { startServiceUnderTest } from '@tss/runtime/testing';
import { loggerOptions } from '@tss/service-kit';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { gatewayService } from '../src';

// docs/operations.md asked operators to keep TSS_SIGNING_KEY_PREPUBLISH_SECONDS above 360 s (the
// services' JWKS cache, 5 min, and the JWKS's HTTP max age, 60 s); a lower value started without a
// word (eighth session's leftovers). The gateway now says so at start.
describe('gateway: a signing key pre-published for less than a service may keep an older JWKS is warned of at start', () => {
  const clock = new TestClock('2026-12-06T02:00:00.000Z');
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('gateway_prepublish_warning');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const warningsAt = async (env: Record<string, string>) => {
    const { lines, stream } = logCapture();
    const sut = await startServiceUnderTest(gatewayService, { clock, env, databaseUrl: db.url, logger: pino(loggerOptions('gateway', 'info'), stream) });
    await sut.stop();
    return lines.filter((line) => line.level === 40 && line.setting === 'TSS_SIGNING_KEY_PREPUBLISH_SECONDS');
  };

  it('below 360 s: one warn line naming the setting, its value and the safe minimum', async () => {
    const warnings = await warningsAt({ TSS_SIGNING_KEY_PREPUBLISH_SECONDS: '359' });

    expect(warnings).toEqual([expect.objectContaining({ seconds: 359, safeMinimumSeconds: 360 })]);
    expect(String(warnings[0].msg)).toContain('TSS_SIGNING_KEY_PREPUBLISH_SECONDS is below 360 s');
  });

  it('at 360 s, and at the default (600 s): none', async () => {
    expect(await warningsAt({ TSS_SIGNING_KEY_PREPUBLISH_SECONDS: '360' })).toEqual([]);
    expect(await warningsAt({})).toEqual([]);
  });
});
