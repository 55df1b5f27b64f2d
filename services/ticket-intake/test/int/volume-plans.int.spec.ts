import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { ticketSearchStore } from '../../src/store/ticket-search.store';

/**
 * An outside tester's year of data (docs/adr/0027, addendum of 2026-12-05, seventh session): one big
 * partner and two small ones. A page of the list must be read by index, in its order,
 * and a small partner's page must not pay for the big one's volume.
 */
const START = new Date('2026-01-01T00:00:00.000Z');
const BIG = 6_000;
const SMALL = 200;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

describe('list pages at volume read by index', () => {
  let sut: ServiceUnderTest;
  const big = randomUUID();
  const small = randomUUID();
  const other = randomUUID();
  const agent = randomUUID(); // an assignee, for the queue's views

  /** The store's key query, captured rather than run (the stub answers no rows), then explained on the real database. */
  const explain = async (read: (tx: EntityManager) => Promise<unknown>) => {
    let statement: { sql: string; params: unknown[] } | undefined;
    // Only `query` is reached: the stores return before mapping rows when the key query finds none.
    const tx = { query: async (sql: string, params: unknown[]) => ((statement ??= { sql, params }), []) } as unknown as EntityManager;
    await read(tx);
    if (!statement) throw new Error('the store sent no statement');
    const [row] = (await sut.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.sql}`, statement.params)) as { 'QUERY PLAN': [{ Plan: PlanNode }] }[];
    const plan = row["QUERY PLAN"][0].Plan;
    const nodes = nodesOf(plan);
    return {
      seqScans: nodes.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']),
      sorts: nodes.filter((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort').length,
      indexes: nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])),
      blocks: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'],
    };
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock: new TestClock(START.toISOString()) });
    // Every tenth minute a ticket; statuses, levels, products and owing spread evenly through the year.
    await sut.query(
      `INSERT INTO ticket_intake.tickets (id, partner_id, reference, channel, status, level, request, received_at, updated_at, response_owed, assignee_id, language, sequence)
       SELECT gen_random_uuid(), CASE WHEN g <= $4 THEN $1 WHEN g <= $4 + $5 THEN $2 ELSE $3 END::uuid, 'TSS-VOL-' || g, 'api',
              (ARRAY['closed', 'closed', 'resolved', 'open', 'new', 'open', 'awaiting_customer', 'closed'])[1 + g % 8],
              (ARRAY['standard', 'consulting', 'standard', 'emergency', 'development'])[1 + g % 5],
              jsonb_build_object('product', (ARRAY['reader', 'player', 'platform'])[1 + (g / 8) % 3], 'productVersion', '4.2', 'description', 'It fails.'),
              $6::timestamptz + g * interval '10 minutes', $6::timestamptz + g * interval '10 minutes',
              g % 3 <> 0, CASE WHEN g % 7 = 0 THEN $7::text END, 'en', 2
         FROM generate_series(1, $4 + 2 * $5) g`,
      [big, small, other, BIG, SMALL, START, agent],
    );
    await sut.query(`ANALYZE ticket_intake.tickets`);
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
  });

  describe('GET /v1/tickets?product=reader&status=resolved', () => {
    const filter = (partnerId: string) => ({ partnerId, products: ['reader' as const], statuses: ['resolved' as const] });

    it("reads the big partner's first page by index, without sorting every match", async () => {
      const plan = await explain((tx) => ticketSearchStore.search(tx, filter(big), { limit: 51 }));
      expect(plan).toEqual(expect.objectContaining({ seqScans: [], sorts: 0 }));
      expect(plan.blocks).toBeLessThan(200);
    });

    it('reads a later page the same way', async () => {
      const plan = await explain((tx) =>
        ticketSearchStore.search(tx, filter(big), { after: { receivedAt: new Date(START.getTime() + 3_000 * 600_000), id: randomUUID() }, limit: 51 }),
      );
      expect(plan).toEqual(expect.objectContaining({ seqScans: [], sorts: 0 }));
      expect(plan.blocks).toBeLessThan(200);
    });

    it("a small partner's page reads only its own tickets", async () => {
      const plan = await explain((tx) => ticketSearchStore.search(tx, filter(small), { limit: 51 }));
      expect(plan.seqScans).toEqual([]);
      expect(plan.blocks).toBeLessThan(60);
    });

    it('several products or statuses still read by index', async () => {
      const plan = await explain((tx) => ticketSearchStore.search(tx, { partnerId: big, products: ['reader', 'player'], statuses: ['resolved', 'open'] }, { limit: 51 }));
      expect(plan.seqScans).toEqual([]);
    });
  });
});
