import { randomUUID } from 'node:crypto';
import { explainedStatements } from '@tss/persistence/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ratingService } from '../src/index';
import { qualityReportStore } from '../src/store/quality-report.store';

/**
 * A year of quality facts, one partner with nearly all of them (docs/adr/0030, addendum of
 * 2026-12-05, seventh session): a small partner's quality report reads its own facts only.
 */
const START = new Date('2026-01-01T00:00:00.000Z');
const BIG = 10_000;
const SMALL = 200;

describe('the quality report of one partner at volume', () => {
  let sut: ServiceUnderTest;
  const big = randomUUID();
  const small = randomUUID();

  beforeAll(async () => {
    sut = await startServiceUnderTest(ratingService, { clock: new TestClock(START.toISOString()) });
    await sut.query(
      `INSERT INTO rating.quality_facts (id, kind, ticket_id, partner_id, agent_id, level, product, at, score, solved)
       SELECT 'fact-' || g, (ARRAY['rating', 'response', 'survey', 'sla_met', 'sla_breached'])[1 + g % 5], gen_random_uuid(),
              CASE WHEN g % ($3::int + $4::int) < $4::int THEN $2 ELSE $1 END::uuid, 'agent-' || g % 7, 'standard', 'reader',
              $5::timestamptz + g * interval '45 minutes', CASE WHEN g % 5 = 0 THEN 1 + g % 5 END, CASE WHEN g % 5 = 0 THEN true END
         FROM generate_series(1, $3::int + $4::int) g`,
      [big, small, BIG, SMALL, START],
    );
    await sut.query(`ANALYZE rating.quality_facts`);
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
  });

  it("reads only the small partner's facts of the year", async () => {
    const { tx, plans } = explainedStatements(sut.host.dataSource.manager);
    const figures = await qualityReportStore.figures(tx, { from: START, to: new Date('2027-01-01T00:00:00.000Z'), groupBy: 'level', partnerId: small });
    expect(figures.total.responses).toBe(SMALL / 5);
    expect(plans.map((p) => p.seqScans)).toEqual([[]]);
    expect(plans[0].indexes).toEqual(['quality_facts_partner_at']);
    expect(plans[0].blocks).toBeLessThan(SMALL + 20);
  });

  it('every partner together still reads the period by time', async () => {
    const { tx, plans } = explainedStatements(sut.host.dataSource.manager);
    const figures = await qualityReportStore.figures(tx, { from: START, to: new Date('2026-01-02T00:00:00.000Z'), groupBy: 'level' });
    expect(figures.total.responses).toBeGreaterThan(0);
    expect(plans[0].seqScans).toEqual([]);
  });
});
