import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { explainedStatements, type StatementPlan } from '@tss/persistence/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { queueStore } from '../../src/store/queue.store';
import { ticketSearchStore } from '../../src/store/ticket-search.store';

/**
 * An outside tester's year of data (docs/adr/0027, addendum of 2026-12-05, seventh session): one big
 * partner and two small ones. A page of the list or the queue must be read by index, in its order,
 * and a small partner's page must not pay for the big one's volume.
 */
const START = new Date('2026-01-01T00:00:00.000Z');
const BIG = 6_000;
const SMALL = 200;

describe('list and queue pages at volume read by index', () => {
  let sut: ServiceUnderTest;
  const big = randomUUID();
  const small = randomUUID();
  const other = randomUUID();
  const agent = randomUUID();

  /** How the store's first statement (the page's keys) reads, explained on the real database, run as usual. */
  const explain = async (read: (tx: EntityManager) => Promise<unknown>): Promise<StatementPlan> => {
    const { tx, plans } = explainedStatements(sut.host.dataSource.manager);
    await read(tx);
    return plans[0];
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

  describe('GET /v1/queue (the owed view) and the claim', () => {
    // The owed views read the open view's indexes (docs/adr/0027, addendum of 2026-12-06): the
    // owed part as an index condition, so a page stops where it ends rather than filter every
    // ticket owing nothing.
    it.each([
      ['any', 'tickets_queue_open_all', { kind: 'any' as const }],
      ['none', 'tickets_queue_open_unassigned', { kind: 'unassigned' as const }],
    ])('assignee=%s: the first page walks %s in the queue order', async (_name, index, assignee) => {
      const plan = await explain((tx) => queueStore.list(tx, { assignee, limit: 51 }));
      expect(plan).toEqual(expect.objectContaining({ seqScans: [], sorts: 0, indexes: [index] }));
      expect(plan.blocks).toBeLessThan(120);
    });

    it("assignee=me reads only that staff member's owed tickets", async () => {
      const plan = await explain((tx) => queueStore.list(tx, { assignee: { kind: 'staff', staffId: agent }, limit: 51 }));
      expect(plan).toEqual(expect.objectContaining({ seqScans: [], indexes: ['tickets_queue_open_assigned'] }));
    });

    it('a page past the last owed ticket ends at the owed part: nothing owing nothing is read', async () => {
      // Every owed ticket is due before this cursor; about 800 tickets at work owe nothing after it.
      const after = { rank: 1 as const, dueAt: new Date('2099-01-01T00:00:00.000Z'), receivedAt: START, id: randomUUID() };
      const plan = await explain((tx) => queueStore.list(tx, { assignee: { kind: 'any' }, after, limit: 51 }));
      expect(plan).toEqual(expect.objectContaining({ seqScans: [], sorts: 0 }));
      expect(plan.blocks).toBeLessThan(10);
    });

    it('the claim takes the head of the unassigned queue by index', async () => {
      const plan = await explain((tx) => queueStore.lockNextUnassigned(tx));
      expect(plan).toEqual(expect.objectContaining({ seqScans: [], sorts: 0, indexes: ['tickets_queue_open_unassigned'] }));
      expect(plan.blocks).toBeLessThan(20);
    });
  });

  describe('GET /v1/queue?view=open', () => {
    it.each([
      ['any', { kind: 'any' as const }],
      ['none', { kind: 'unassigned' as const }],
    ])('assignee=%s: the first page walks an index in the open view order', async (_name, assignee) => {
      const plan = await explain((tx) => queueStore.list(tx, { assignee, view: 'open', limit: 51 }));
      expect(plan).toEqual(expect.objectContaining({ seqScans: [], sorts: 0 }));
      expect(plan.blocks).toBeLessThan(120);
    });

    it("assignee=me reads only that staff member's tickets at work", async () => {
      // Their few hundred here: the planner may fetch them all by the index and sort them, which is
      // bounded by one person's work, never by every partner's tickets.
      const plan = await explain((tx) => queueStore.list(tx, { assignee: { kind: 'staff', staffId: agent }, view: 'open', limit: 51 }));
      expect(plan).toEqual(expect.objectContaining({ seqScans: [], indexes: ['tickets_queue_open_assigned'] }));
    });

    it('a page past the owing part walks the index from the cursor', async () => {
      const after = { owesNothing: true as const, rank: 1 as const, dueAt: new Date(START.getTime() + 1_000 * 600_000), receivedAt: START, id: randomUUID() };
      const plan = await explain((tx) => queueStore.list(tx, { assignee: { kind: 'any' }, view: 'open', after, limit: 51 }));
      expect(plan).toEqual(expect.objectContaining({ seqScans: [], sorts: 0 }));
      expect(plan.blocks).toBeLessThan(120);
    });
  });
});
