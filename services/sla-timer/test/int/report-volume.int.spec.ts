import { randomUUID } from 'node:crypto';
import { explainedStatements } from '@tss/persistence/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { slaReportStore } from '../../src/store/sla-report.store';
import { withoutWorker } from './support/clock-pipeline';

/**
 * A year of clocks, one partner with nearly all of them (docs/adr/0030, addendum of 2026-12-05,
 * seventh session): a small partner's report reads its own clocks and resolved tickets, not every
 * partner's of the period.
 */
const START = new Date('2026-01-01T00:00:00.000Z');
const BIG = 8_000;
const SMALL = 200;

describe('the SLA report of one partner at volume', () => {
  let sut: ServiceUnderTest;
  const big = randomUUID();
  const small = randomUUID();

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorker, { clock: new TestClock(START.toISOString()) });
    // A ticket and its clock every hour, the small partner's spread through the same year.
    await sut.query(
      `WITH t AS (
         SELECT gen_random_uuid() AS ticket_id, CASE WHEN g % ($3::int + $4::int) < $4::int THEN $2 ELSE $1 END::uuid AS partner_id,
                (ARRAY['standard', 'consulting', 'emergency'])[1 + g % 3] AS level, $5::timestamptz + g * interval '1 hour' AS at, g
           FROM generate_series(1, $3::int + $4::int) g),
       tickets AS (
         INSERT INTO sla_timer.tickets (ticket_id, partner_id, product, level, status, received_at, resolved_at)
         SELECT ticket_id, partner_id, 'reader', level, 'resolved', at, at + interval '5 hours' FROM t)
       INSERT INTO sla_timer.response_clocks (id, ticket_id, partner_id, level, status, started_at, due_at, created_at, target_ms, overdue_at, stopped_at, responded_at)
       SELECT gen_random_uuid(), ticket_id, partner_id, level, CASE WHEN g % 4 = 0 THEN 'breached' ELSE 'met' END, at, at + interval '6 hours', at, 21600000,
              at + interval '9 hours', at + interval '2 hours', at + interval '2 hours'
         FROM t`,
      [big, small, BIG, SMALL, START],
    );
    await sut.query(`ANALYZE sla_timer.response_clocks`);
    await sut.query(`ANALYZE sla_timer.tickets`);
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
  });

  it("reads only the small partner's clocks and resolved tickets of the year", async () => {
    const { tx, plans } = explainedStatements(sut.host.dataSource.manager);
    const figures = await slaReportStore.figures(tx, { from: START, to: new Date('2027-01-01T00:00:00.000Z'), partnerId: small });
    expect(figures.reduce((n, f) => n + f.owed, 0)).toBe(SMALL);
    expect(plans.map((p) => p.seqScans)).toEqual([[], []]);
    // Two hundred clocks and tickets: a few blocks of index and a heap block each at most.
    for (const plan of plans) expect(plan.blocks).toBeLessThan(SMALL + 20);
  });
});
