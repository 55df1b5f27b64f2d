import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { webhookDeliveryStore, type DeliveryStatus } from '../src/store/webhook-delivery.store';
import { notificationWithoutWorkers, testSecrets, webhookRows } from './support/webhook-fixtures';

// An outside test (a year of data): `GET …/deliveries?limit=50&status=failed` on an endpoint with
// 175,777 deliveries, none failed, read 26,897 blocks (287 ms) by a sequential scan of the whole
// table. docs/webhooks.md calls it "the first place to look". A page must cost the same at any log size.
const STATUSES: readonly DeliveryStatus[] = ['pending', 'held', 'ready', 'in_flight', 'succeeded', 'failed', 'cancelled'];
const SUCCEEDED_ROWS = 60_000;
const PAGE = 50;
/** A page of 50 (and the one row that tells whether there is a next page) in a handful of index and heap blocks. */
const MAX_BLOCKS_PER_PAGE = 120;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

describe('an endpoint’s delivery log costs a page, whatever its size and filter (notification alone on real PostgreSQL)', () => {
  const clock = new TestClock('2026-12-05T10:00:00.000Z');
  const partnerId = randomUUID();
  let sut: ServiceUnderTest;
  let endpointId: string;
  /** The few deliveries of each status but `succeeded`, newest first. */
  const rare = new Map<DeliveryStatus, string[]>();

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    const timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    const { newEndpoint } = webhookRows({ sut: () => sut, timers: () => timers, port: () => 9, clock, partnerId, secrets: testSecrets() });
    endpointId = (await newEndpoint('/volume')).id;
    const other = (await newEndpoint('/other')).id;
    const insert = (endpoint: string, status: DeliveryStatus, count: number, firstAtMs: number, subject: string | null) =>
      sut.query<{ id: string }>(
        `INSERT INTO notification.webhook_deliveries (id, endpoint_id, message_id, event_type, body, reason, status, subject, created_at)
         SELECT gen_random_uuid(), $1, 'msg_' || n, 'ticket.created', '{"n":' || n || '}', 'event', $2, $5, $3::timestamptz + n * interval '1 second'
           FROM generate_series(1, $4::int) AS n
         RETURNING id`,
        [endpoint, status, new Date(clock.now().getTime() + firstAtMs), count, subject],
      );
    // Of each status but `succeeded`, two deliveries older than the bulk of the log (succeeded) and two
    // newer, one of each pair with a ticket (subject) and one without (pings, rows queued before 0066);
    // another endpoint has as many failed ones.
    const BULK_MS = SUCCEEDED_ROWS * 1_000;
    let at = -BULK_MS - 100_000_000;
    for (const status of STATUSES.filter((s) => s !== 'succeeded')) {
      const older = [...(await insert(endpointId, status, 1, at, 'ticket-1')), ...(await insert(endpointId, status, 1, at + 1_000, null))];
      const newer = [...(await insert(endpointId, status, 1, at + 200_000_000, 'ticket-1')), ...(await insert(endpointId, status, 1, at + 200_001_000, null))];
      rare.set(status, [...older, ...newer].map((r) => r.id).reverse());
      at += 10_000;
    }
    await insert(endpointId, 'succeeded', SUCCEEDED_ROWS, -BULK_MS, 'ticket-2');
    await insert(other, 'failed', SUCCEEDED_ROWS, -BULK_MS, 'ticket-3');
    await sut.query(`ANALYZE notification.webhook_deliveries`);
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
  });

  /** The statements `list` sends, as sent: what it reads, and how, from EXPLAIN (ANALYZE, BUFFERS). */
  const listed = async (options: Parameters<typeof webhookDeliveryStore.list>[2]) => {
    const sent: { sql: string; params: unknown[] }[] = [];
    const rows = await sut.host.unitOfWork.run((tx) => {
      const recording = new Proxy(tx, {
        get: (target, key, receiver): unknown =>
          key === 'query'
            ? (sql: string, params: unknown[] = []) => {
                sent.push({ sql, params });
                return target.query(sql, params);
              }
            : Reflect.get(target, key, receiver),
      });
      return webhookDeliveryStore.list(recording satisfies EntityManager, endpointId, options);
    });
    const plans = await Promise.all(
      sent.map(async ({ sql, params }) => {
        const [row] = await sut.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
        return row['QUERY PLAN'][0].Plan;
      }),
    );
    return { rows, plans };
  };
  /** What a failure shows: the filter, the tables read whole, and the blocks read. */
  const pageCost = (status: DeliveryStatus | undefined, plans: PlanNode[]) => {
    const blocks = plans.reduce((sum, p) => sum + p['Shared Hit Blocks'] + p['Shared Read Blocks'], 0);
    const nodes = plans.flatMap(nodesOf);
    return {
      status,
      seqScans: nodes.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']),
      indexes: nodes.flatMap((n) => n['Index Name'] ?? []),
      readBlocks: blocks,
      withinAPage: blocks <= MAX_BLOCKS_PER_PAGE,
    };
  };

  it.each([...STATUSES, undefined])('status=%s: a page is read through an index, in a handful of blocks', async (status) => {
    const { rows, plans } = await listed({ limit: PAGE + 1, ...(status ? { status } : {}) });
    const cost = pageCost(status, plans);
    expect(cost).toEqual({ ...cost, seqScans: [], withinAPage: true });
    if (status && status !== 'succeeded') expect(rows.map((d) => d.id)).toEqual(rare.get(status));
    else expect(rows).toHaveLength(PAGE + 1);
    if (status) expect(rows.every((d) => d.status === status)).toBe(true);
  });

  it.each(STATUSES)('status=%s: a later page (after a cursor) costs a page too, and holds what comes after the cursor', async (status) => {
    const first = await listed({ limit: 2, status });
    const last = first.rows.at(-1);
    if (!last) throw new Error(`no ${status} delivery`);
    const { rows, plans } = await listed({ limit: PAGE + 1, status, before: { createdAt: last.createdAt, id: last.id } });
    const cost = pageCost(status, plans);
    expect(cost).toEqual({ ...cost, seqScans: [], withinAPage: true });
    if (status !== 'succeeded') expect(rows.map((d) => d.id)).toEqual(rare.get(status)?.slice(2));
    expect(rows.every((d) => d.status === status && d.createdAt.getTime() <= last.createdAt.getTime())).toBe(true);
  });
});
