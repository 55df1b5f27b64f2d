import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Client } from 'pg';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { Platform } from '@tss/runtime';
import { TokenVerifier } from '@tss/service-kit';
import { logCapture, TestClock, waitFor, type LogLine } from '@tss/service-kit/testing';
import { DEFAULT_POLICY, type SlaPolicy } from '../../src/domain/sla-policy';
import { slaTimerService } from '../../src/index';

const withTerms = (change: (policy: SlaPolicy) => Partial<SlaPolicy>): SlaPolicy => ({ ...DEFAULT_POLICY, ...change(DEFAULT_POLICY) });
/** A 30-second emergency target and a warning at 0.5 %, as releases before the minimums stored them (commit 71514b0). */
const BELOW_MINIMUMS = withTerms((p) => ({ levels: { ...p.levels, emergency: { ...p.levels.emergency, targetMs: 30_000 } }, warningAt: [0.005, 0.5] }));
const SOUND = withTerms(() => ({}));

// Targets under a minute and warnings under 1 % are refused since 2026-12-04 (docs/adr/0031), but
// an older release stored some: they keep applying to every clock started after the upgrade.
describe('sla-timer at start: terms in force that today’s rules refuse are named in a warning', () => {
  const clock = new TestClock('2026-12-05T09:00:00.000Z');
  const outdated = randomUUID();
  const fixedSince = randomUUID();
  const dropped = randomUUID();
  // Last in the review's order (by scope): an agreement with no warning at all, refused since 2026-12-05.
  const silent = 'ffffffff-ffff-4fff-bfff-ffffffffffff';
  let db: TestDatabase;
  let platform: Platform | undefined;
  const capture = logCapture();

  const store = async (rows: [scope: string, version: number, policy: SlaPolicy, removed: boolean][]) => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const [scope, version, policy, removed] of rows) {
        await client.query(`INSERT INTO sla_timer.sla_policies (scope, version, policy, created_at, created_by, removed) VALUES ($1, $2, $3, $4, 'admin-1', $5)`, [
          scope,
          version,
          JSON.stringify(policy),
          clock.now(),
          removed,
        ]);
      }
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('outdated_terms');
    await store([
      [outdated, 1, BELOW_MINIMUMS, false],
      [fixedSince, 1, BELOW_MINIMUMS, false],
      [fixedSince, 2, SOUND, false],
      [dropped, 1, BELOW_MINIMUMS, false],
      [dropped, 2, BELOW_MINIMUMS, true],
      [silent, 1, withTerms(() => ({ warningAt: [] })), false],
      ['default', 2, withTerms(() => ({ warningAt: [0.001] })), false],
    ]);
    platform = await Platform.start({
      modules: [slaTimerService],
      databaseUrl: db.url,
      transport: new InProcessTransport(),
      clock,
      logger: pino({ level: 'info' }, capture.stream),
      tokens: new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: { getKey: async () => undefined }, nowSeconds: () => Math.floor(clock.now().getTime() / 1000) }),
      env: {},
      migrate: true,
      poolSize: 3,
    });
  });

  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  const warnings = (): LogLine[] => capture.lines.filter((line) => line.level === 40 && 'version' in line);

  it('names each version in force below the minimums: the partner, the version, each term, and the PUT that fixes it; superseded and dropped versions are not named', async () => {
    await waitFor('the review of the terms in force', () => capture.lines.find((line) => line.msg === 'SLA terms in force reviewed'));
    expect(warnings()).toEqual([
      expect.objectContaining({
        scope: 'default',
        version: 2,
        msg:
          'The default SLA policy, version 2, breaks rules added since it was stored, and applies to every clock started now under it: ' +
          '/warningAt/0: must be at least 0.01 (1 % of the target). Store terms that meet them with PUT /v1/sla/policies; clocks already running keep their terms.',
      }),
      expect.objectContaining({
        scope: outdated,
        partnerId: outdated,
        version: 1,
        problems: [
          { pointer: '/levels/emergency/targetMs', message: 'level emergency: must be at least 60000 (1 min)' },
          { pointer: '/warningAt/0', message: 'must be at least 0.01 (1 % of the target)' },
        ],
        msg:
          `The SLA agreement of partner ${outdated}, version 1, breaks rules added since it was stored, and applies to every clock started now under it: ` +
          '/levels/emergency/targetMs: level emergency: must be at least 60000 (1 min); /warningAt/0: must be at least 0.01 (1 % of the target). ' +
          `Store terms that meet them with PUT /v1/partners/${outdated}/sla-policy; clocks already running keep their terms.`,
      }),
      // P7: no `sla.warning` would ever come, so the about-to-breach escalation never would.
      expect.objectContaining({ scope: silent, partnerId: silent, version: 1, problems: [{ pointer: '/warningAt', message: expect.stringContaining('at least one warning') }] }),
    ]);
  });

  it('changes no stored terms', async () => {
    const rows = await platform!.host('sla-timer').dataSource.query(`SELECT scope, version FROM sla_timer.sla_policies WHERE scope = ANY($1) ORDER BY scope, version`, [[outdated, fixedSince, dropped]]);
    expect(rows).toHaveLength(5);
  });
});
