import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { NotificationEmailReceivedV1, TicketAcceptedV1 } from '@tss/contracts';
import { createServiceDataSource, initializeAndMigrate, LISTENER_APPLICATION_NAME } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { Client } from 'pg';
import { EVENT_LOG_SCHEMA } from '../src/in-process/event-log.migration';
import { InProcessTransport } from '../src/in-process/in-process-transport';
import { fromKafkaMessage } from '../src/kafka/cloud-event-binding';
import { messagingMigrations } from '../src/outbox/messaging-migrations';
import { Outbox } from '../src/outbox/outbox';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { RelaySession } from '../src/outbox/relay-session';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import type { EventTransport, OutboundMessage } from '../src/transport';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const SCHEMA = 'relay_producer';
/** Far longer than any wait below: a delivery within them cannot have come from the poll. */
const FALLBACK_POLL_MS = 10_000;

describe('outbox relay (issue #7, docs/adr/0013)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let transport: InProcessTransport;
  const relays: OutboxRelay[] = [];
  const outbox = new Outbox({ service: 'ticket-intake', schema: SCHEMA, clock: systemClock });
  /** A unit of work without a relay to kick: a commit made by another replica. */
  const otherReplica = () => new UnitOfWork(dataSource);

  beforeAll(async () => {
    db = await createTestDatabase('outbox_relay');
    dataSource = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: messagingMigrations(SCHEMA) });
    await initializeAndMigrate(dataSource);
    transport = new InProcessTransport();
    await transport.useDatabase(db.url);
  });

  afterEach(async () => {
    while (relays.length) await relays.pop()!.stop();
  });

  afterAll(async () => {
    await transport?.close();
    await dataSource?.destroy();
    await db?.drop();
  });

  const startRelay = (through: EventTransport = transport, settings: { batchSize?: number } = {}) => {
    const relay = new OutboxRelay({ dataSource, schema: SCHEMA, transport: through, clock: systemClock, logger, pollIntervalMs: FALLBACK_POLL_MS, ...settings });
    relays.push(relay);
    relay.start();
    return relay;
  };

  const writeEvent = (ticketId = randomUUID()) =>
    otherReplica().run((tx) => outbox.add(tx, TicketAcceptedV1, ticketId, { partnerId: randomUUID(), sequence: 2, acceptedAt: '2026-01-01T00:00:00.000Z', via: 'api' }));

  /** A mail's event whose data carries a password in transit only (P9, docs/adr/0070). */
  const PASSWORD = 'InTransit#4711';
  const writeMailEvent = () =>
    otherReplica().run((tx) =>
      new Outbox({ service: 'notification', schema: SCHEMA, clock: systemClock }).add(tx, NotificationEmailReceivedV1, randomUUID(), {
        messageId: `<${randomUUID()}@example.test>`,
        from: 'ann@example.test',
        subject: 'access',
        text: 'password: [access particulars removed]',
        inTransit: { subject: 'access', text: `password: ${PASSWORD}` },
        attachmentPointers: [],
        receivedAt: '2026-01-01T00:00:00.000Z',
      }),
    );
  const keptEvent = async (eventId: string) =>
    ((await dataSource.query(`SELECT event FROM "${SCHEMA}".outbox WHERE event_id = $1`, [eventId])) as { event: { data: Record<string, unknown> } }[])[0].event;

  const isPublished = async (eventId: string) =>
    ((await dataSource.query(`SELECT published_at IS NOT NULL AS published FROM "${SCHEMA}".outbox WHERE event_id = $1`, [eventId])) as { published: boolean }[])[0]
      ?.published === true;

  /** A relay started, a fresh group subscribed to its topic, and a first event delivered to it (the relay asleep after it). */
  const relayStartedAndDelivering = async (group: string) => {
    const delivered = new Set<string>();
    const subscription = await transport.subscribe({
      group: `${group}-${randomUUID().slice(0, 8)}`,
      topics: [TicketAcceptedV1.topic],
      handle: async (m) => void delivered.add(String((m.event as { id?: unknown }).id)),
    });
    startRelay();
    const first = await writeEvent();
    await waitFor('the first event', () => delivered.has(first.id), { timeoutMs: FALLBACK_POLL_MS + 5_000 });
    return { delivered, subscription };
  };

  it('docs/adr/0060: the outbox keeps no unique index on event ids (each is a fresh random UUID); its indexes serve the relay and retention', async () => {
    const indexes = (await dataSource.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'outbox' ORDER BY indexname`, [SCHEMA])) as {
      indexname: string;
    }[];
    expect(indexes.map((i) => i.indexname)).toEqual(['outbox_pkey', 'outbox_published_at', 'outbox_unpublished']);
    const events = await Promise.all([writeEvent(), writeEvent()]);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
  });

  it('a commit by another replica is delivered at once (NOTIFY), not at the next poll', async () => {
    const { delivered, subscription } = await relayStartedAndDelivering('wake');
    try {
      // The relay has drained and gone to sleep for the fallback interval; only a notification can wake it now.
      const started = performance.now();
      const second = await writeEvent();
      await waitFor('the second event, well before the fallback poll', () => delivered.has(second.id), { timeoutMs: 2_000 });
      process.stdout.write(`outbox relay: commit to delivery ${Math.round(performance.now() - started)} ms with a ${FALLBACK_POLL_MS} ms fallback poll\n`);
    } finally {
      await subscription.stop();
    }
  });

  it('listens on the shared connection (docs/adr/0089): when it is lost, the relay listens on a new one and keeps its own connection and lock', async () => {
    const backends = async (applicationName: string): Promise<number[]> =>
      ((await dataSource.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [applicationName])) as { pid: number }[]).map(
        (r) => r.pid,
      );
    const { delivered, subscription } = await relayStartedAndDelivering('relisten');
    try {
      const [relayPid] = await backends(`${SCHEMA}:outbox-relay`);
      const [listenerPid] = await backends(LISTENER_APPLICATION_NAME);
      expect(relayPid).toBeDefined();
      expect(listenerPid).toBeDefined();
      expect(listenerPid).not.toBe(relayPid);

      await dataSource.query('SELECT pg_terminate_backend($1)', [listenerPid]);
      const relistened = await waitFor('a new listening connection', async () => {
        const now = await backends(LISTENER_APPLICATION_NAME);
        return now.length === 1 && now[0] !== listenerPid ? now[0] : undefined;
      });
      expect(relistened).not.toBe(listenerPid);
      // The relay's connection, and with it the schema's relay lock, outlived the listener.
      expect(await backends(`${SCHEMA}:outbox-relay`)).toEqual([relayPid]);

      const second = await writeEvent();
      await waitFor('the second event, woken by NOTIFY on the new connection', () => delivered.has(second.id), { timeoutMs: 2_000 });
    } finally {
      await subscription.stop();
    }
  });

  it('keeps no transaction open while the transport is slow to accept a batch', async () => {
    let release!: () => void;
    const accepted = new Promise<void>((resolve) => (release = resolve));
    let publishing = false;
    const slow: EventTransport = Object.assign(Object.create(transport) as EventTransport, {
      copyFromOutbox: undefined, // through `publish`: the path Kafka takes
      publish: async (messages: readonly OutboundMessage[]) => {
        publishing = true;
        await accepted;
        await transport.publish(messages);
      },
    });
    startRelay(slow);
    const event = await writeEvent();
    await waitFor('the relay to hand the batch to the transport', () => publishing);
    const idleInTransaction = (await dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    )) as { n: number }[];
    expect(idleInTransaction[0].n).toBe(0);
    expect(await isPublished(event.id)).toBe(false);
    release();
    await waitFor('the row marked published once the transport accepted it', () => isPublished(event.id), { timeoutMs: 2_000 });
  });

  it('P9: data in transit is published, and the outbox row drops it as it is marked published (the path Kafka takes)', async () => {
    const published: OutboundMessage[] = [];
    const recording: EventTransport = Object.assign(Object.create(transport) as EventTransport, {
      copyFromOutbox: undefined,
      publish: async (messages: readonly OutboundMessage[]) => {
        await transport.publish(messages);
        published.push(...messages);
      },
    });
    const event = await writeMailEvent();
    expect(JSON.stringify(await keptEvent(event.id))).toContain(PASSWORD); // the relay's, until published
    startRelay(recording);
    await waitFor('the mail event published', () => isPublished(event.id));
    expect(published.find((m) => m.event.id === event.id)?.event.data).toMatchObject({ inTransit: { text: `password: ${PASSWORD}` } });
    const kept = await keptEvent(event.id);
    expect(JSON.stringify(kept)).not.toContain(PASSWORD);
    expect(kept.data).toMatchObject({ text: 'password: [access particulars removed]', messageId: event.data.messageId });
  });

  it('one relay per schema: a second relay publishes nothing while the first holds the lock', async () => {
    const published: string[] = [];
    const counting: EventTransport = Object.assign(Object.create(transport) as EventTransport, {
      copyFromOutbox: undefined, // through `publish`: the path Kafka takes
      publish: async (messages: readonly OutboundMessage[]) => {
        published.push(...messages.map((m) => m.event.id));
        await transport.publish(messages);
      },
    });
    const first = startRelay(counting);
    const probe = await writeEvent();
    await waitFor('the first relay to take the lock and publish', () => isPublished(probe.id), { timeoutMs: 2_000 });
    const second = startRelay(counting);
    const events: { id: string }[] = [];
    for (let i = 0; i < 20; i += 1) events.push(await writeEvent());
    await waitFor('all twenty published', async () => (await Promise.all(events.map((e) => isPublished(e.id)))).every(Boolean), { timeoutMs: 5_000 });
    expect(second.publishedCount).toBe(0);
    expect(first.publishedCount).toBeGreaterThanOrEqual(21);
    expect(published.filter((id) => events.some((e) => e.id === id))).toHaveLength(20);
  });

  /** `count` events in one commit, as a burst of SLA breaches writes them. */
  const writeBurst = (count: number) =>
    otherReplica().run(async (tx) => {
      const written: Awaited<ReturnType<typeof outbox.add>>[] = [];
      for (let i = 0; i < count; i += 1)
        written.push(await outbox.add(tx, TicketAcceptedV1, randomUUID(), { partnerId: randomUUID(), sequence: 2, acceptedAt: '2026-01-01T00:00:00.000Z', via: 'api' }));
      return written;
    });

  it('under load, reads the next batch while the transport is still taking the one before (docs/performance.md)', async () => {
    let release!: () => void;
    const accepted = new Promise<void>((resolve) => (release = resolve));
    const batches: string[][] = [];
    // Counts the relay connection's statements; each still runs on PostgreSQL.
    const statements = jest.spyOn(RelaySession.prototype, 'query');
    let statementsWhenHandedOver = -1;
    const slow: EventTransport = Object.assign(Object.create(transport) as EventTransport, {
      copyFromOutbox: undefined, // through `publish`: the path Kafka takes
      publish: async (messages: readonly OutboundMessage[]) => {
        batches.push(messages.map((m) => m.event.id));
        if (batches.length === 1) {
          statementsWhenHandedOver = statements.mock.calls.length;
          await accepted;
        }
        await transport.publish(messages);
      },
    });
    try {
      const events = await writeBurst(12);
      startRelay(slow, { batchSize: 5 });
      await waitFor('the first batch handed to the transport', () => batches.length === 1);
      // The next batch is read on the relay's connection while the transport still holds the first.
      await waitFor('a read while the first batch is in the transport', () => statements.mock.calls.length > statementsWhenHandedOver);
      expect(String(statements.mock.calls.at(-1)?.[0])).toContain('SELECT position, topic, message_key, event');
      expect(batches).toHaveLength(1);
      release();
      await waitFor('all twelve published', async () => (await Promise.all(events.map((e) => isPublished(e.id)))).every(Boolean), { timeoutMs: 5_000 });
      // In order, each once, in batches of at most five.
      expect(batches.flat().filter((id) => events.some((e) => e.id === id))).toEqual(events.map((e) => e.id));
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(5);
    } finally {
      release();
      statements.mockRestore();
    }
  });

  /** A transport on the path Kafka takes whose first batch waits for `release()`; `handedOver()` counts the batches given to it. */
  const holdingTheFirstBatch = () => {
    let release!: () => void;
    const accepted = new Promise<void>((resolve) => (release = resolve));
    let batches = 0;
    const slow: EventTransport = Object.assign(Object.create(transport) as EventTransport, {
      copyFromOutbox: undefined,
      publish: async (messages: readonly OutboundMessage[]) => {
        batches += 1;
        if (batches === 1) await accepted;
        await transport.publish(messages);
      },
    });
    return { slow, release, handedOver: () => batches };
  };

  it('after a drain of a whole batch, a commit made meanwhile is drained at once: no linger (docs/adr/0056)', async () => {
    const { slow, release, handedOver } = holdingTheFirstBatch();
    const statements = jest.spyOn(RelaySession.prototype, 'query');
    try {
      const burst = await writeBurst(5);
      // A linger far past the test's wait: only a drain without one can publish the next event in time.
      const relay = new OutboxRelay({ dataSource, schema: SCHEMA, transport: slow, clock: systemClock, logger, pollIntervalMs: FALLBACK_POLL_MS, batchSize: 5, lingerMs: 60_000 });
      relays.push(relay);
      const kicks = jest.spyOn(relay, 'kick');
      relay.start();
      await waitFor('the batch of five handed to the transport', () => handedOver() === 1);
      // Its next read (empty) done while the transport holds the batch; then another commit wakes the relay.
      await waitFor('the read ahead sent', () => statements.mock.calls.length >= 2);
      await Promise.allSettled(statements.mock.results.map((r) => r.value));
      const kicksBefore = kicks.mock.calls.length;
      const late = await writeEvent();
      await waitFor('the commit’s notification', () => kicks.mock.calls.length > kicksBefore);
      release();
      await waitFor('the burst and the later event published, without waiting a linger', async () => (await Promise.all([...burst, late].map((e) => isPublished(e.id)))).every(Boolean), {
        timeoutMs: 5_000,
      });
    } finally {
      release();
      statements.mockRestore();
    }
  });

  it('a commit of its own unit of work wakes the relay once: the NOTIFY that follows its kick is known for an echo (docs/adr/0090)', async () => {
    const { slow, release, handedOver } = holdingTheFirstBatch();
    try {
      // A second wake-up during the drain would linger far past the test's wait, and hold the next commit back.
      const relay = new OutboxRelay({ dataSource, schema: SCHEMA, transport: slow, clock: systemClock, logger, pollIntervalMs: FALLBACK_POLL_MS, lingerMs: 60_000 });
      relays.push(relay);
      const drains = jest.spyOn(relay, 'drainOnce');
      // Every NOTIFY the relay hears on the outbox's channel, echo or not.
      const heard = jest.spyOn(relay as unknown as { notified: (senderPid: number) => void }, 'notified');
      relay.start();
      const own = new UnitOfWork(dataSource, relay);
      // Its first drain (of nothing) over, the relay sleeps: the commit's kick starts the next.
      await waitFor('the first drain', () => drains.mock.calls.length === 1);
      await drains.mock.results[0].value;
      const first = await own.run((tx) => outbox.add(tx, TicketAcceptedV1, randomUUID(), { partnerId: randomUUID(), sequence: 2, acceptedAt: '2026-01-01T00:00:00.000Z', via: 'api' }));
      await waitFor('the commit handed to the transport', () => handedOver() === 1);
      await waitFor('the commit’s NOTIFY heard while the transport holds the batch', () => heard.mock.calls.length === 1);
      release();
      await waitFor('the first event published', () => isPublished(first.id), { timeoutMs: 2_000 });
      const next = await writeEvent();
      await waitFor('a commit by another replica published at once, not after a linger', () => isPublished(next.id), { timeoutMs: 2_000 });
      expect(heard).toHaveBeenCalledTimes(2);
    } finally {
      release();
    }
  });

  describe('the entries published rows leave in `outbox_unpublished` (docs/adr/0088)', () => {
    /** The plans of the statements the relay ran to read its outbox, planned again on its own connection. */
    const readPlans = async (ran: jest.SpyInstance<Promise<object[]>, [string, unknown[]]>) => {
      const plans: string[] = [];
      const contexts = [...ran.mock.contexts];
      for (const [index, [sql, params]] of [...ran.mock.calls].entries()) {
        if (!sql.includes('published_at IS NULL')) continue;
        const session = contexts[index] as RelaySession;
        // EXPLAIN alone runs nothing, not even the statement's updates.
        const rows = await session.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
        plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
      }
      return plans;
    };

    it.each([
      ['through `publish` (the path Kafka takes)', () => Object.assign(Object.create(transport) as EventTransport, { copyFromOutbox: undefined })],
      ['copied into the log (single-process mode)', () => transport],
    ])('%s: its reads walk the index in position order, which marks the entries of published rows dead as it passes them', async (_path, through) => {
      await dataSource.query('CREATE EXTENSION IF NOT EXISTS pageinspect');
      const ran = jest.spyOn(RelaySession.prototype, 'query');
      const burst = await writeBurst(400);
      // The planner's statistics lag behind a burst, as they do under load: they count these 400 as
      // unpublished. Random reads are priced as under load, where the rows' published versions
      // scatter the table: left to itself, the planner reads the rows and then sorts them.
      await dataSource.query(`ANALYZE "${SCHEMA}".outbox`);
      await dataSource.query(`ALTER DATABASE "${db.name}" SET random_page_cost = 10`);
      // A vacuum would remove the entries this test counts; autovacuum may come by at any moment of a busy run.
      await dataSource.query(`ALTER TABLE "${SCHEMA}".outbox SET (autovacuum_enabled = off)`);
      try {
        startRelay(through(), { batchSize: 1_000 });
        await waitFor('the burst published', async () => (await Promise.all(burst.map((e) => isPublished(e.id)))).every(Boolean), { timeoutMs: 10_000 });
        const late = await writeEvent();
        await waitFor('the late event published', () => isPublished(late.id), { timeoutMs: 5_000 });
        const plans = await readPlans(ran);
        expect(plans.length).toBeGreaterThanOrEqual(2);
        for (const plan of plans) {
          expect(plan).toContain('Index Scan using outbox_unpublished');
          // No bitmap, no scan of the whole table, no sort of the outbox's rows (a sort of the few just marked may stay).
          expect(plan).not.toMatch(/Bitmap|Seq Scan on outbox|Sort Key: (outbox\.)?"position"/);
        }
        // The late event's read passed the burst's entries, each pointing at a row version no one can see,
        // and marked them dead. Not always every one: PostgreSQL leaves a page unmarked when it changed
        // while the scan was on it, or when a snapshot of another session still saw its rows. A read
        // that is not an index scan in order marks none.
        const [{ dead }] = (await dataSource.query(
          `SELECT count(*)::int AS dead FROM generate_series(1, (pg_relation_size($1::regclass) / current_setting('block_size')::int - 1)::int) AS p(page),
                  LATERAL bt_page_items($1::text, p.page) WHERE dead`,
          [`"${SCHEMA}".outbox_unpublished`],
        )) as { dead: number }[];
        expect(dead).toBeGreaterThanOrEqual(burst.length * 0.9);
      } finally {
        ran.mockRestore();
        await dataSource.query(`ALTER DATABASE "${db.name}" RESET random_page_cost`);
        await dataSource.query(`ALTER TABLE "${SCHEMA}".outbox RESET (autovacuum_enabled)`);
      }
    });
  });

  describe('stopping while the transport still has a batch (a broker outage)', () => {
    /** A transport that takes a batch and answers only when told: kafkajs in its connection retries. */
    const heldTransport = () => {
      let answer!: () => void;
      const answered = new Promise<void>((resolve) => (answer = resolve));
      let holding = false;
      const held: EventTransport = Object.assign(Object.create(transport) as EventTransport, {
        copyFromOutbox: undefined, // through `publish`: the path Kafka takes
        publish: async (messages: readonly OutboundMessage[]) => {
          holding = true;
          await answered;
          await transport.publish(messages);
        },
      });
      return { held, holding: () => holding, answer: () => answer() };
    };

    it('stops after stopGraceMs without the answer, and leaves the batch unpublished for the next start', async () => {
      const { held, holding, answer } = heldTransport();
      const relay = new OutboxRelay({ dataSource, schema: SCHEMA, transport: held, clock: systemClock, logger, pollIntervalMs: FALLBACK_POLL_MS, stopGraceMs: 200 });
      relay.start();
      const event = await writeEvent();
      await waitFor('the relay to hand the batch to the transport', holding);
      const stoppedAt = performance.now();
      await relay.stop();
      expect(performance.now() - stoppedAt).toBeLessThan(2_000);
      answer();
      expect(await isPublished(event.id)).toBe(false);
      // The next start publishes it.
      startRelay();
      await waitFor('the batch published by the next relay', () => isPublished(event.id), { timeoutMs: 5_000 });
    });

    // An outside test stopped the broker, then services mode: each stop waited for its relay's
    // batch. A broker the transport knows to be unreachable cannot take it: no grace is waited.
    it('gives the batch up at once, whatever stopGraceMs, when the transport says its broker is unreachable (now or during the grace)', async () => {
      for (const when of ['before the stop', 'during the grace'] as const) {
        const { held, holding, answer } = heldTransport();
        let reportUnreachable = (): void => undefined;
        let unreachable = false;
        const reporting = Object.assign(held, {
          onUnreachable: (listener: () => void) => {
            if (unreachable) listener();
            else reportUnreachable = listener;
            return () => (reportUnreachable = () => undefined);
          },
        });
        const relay = new OutboxRelay({ dataSource, schema: SCHEMA, transport: reporting, clock: systemClock, logger, pollIntervalMs: FALLBACK_POLL_MS, stopGraceMs: 20_000 });
        relay.start();
        const event = await writeEvent();
        await waitFor('the relay to hand the batch to the transport', holding);
        if (when === 'before the stop') unreachable = true;
        const stoppedAt = performance.now();
        const stopped = relay.stop();
        if (when === 'during the grace') reportUnreachable();
        await stopped;
        // The grace is 20 s: anything under a second is not the grace.
        expect(performance.now() - stoppedAt).toBeLessThan(1_000);
        answer();
        expect(await isPublished(event.id)).toBe(false);
      }
    });

    it('a batch answered within stopGraceMs is marked published before the stop returns (a drain, not an abandonment)', async () => {
      const { held, holding, answer } = heldTransport();
      const relay = new OutboxRelay({ dataSource, schema: SCHEMA, transport: held, clock: systemClock, logger, pollIntervalMs: FALLBACK_POLL_MS, stopGraceMs: 30_000 });
      relay.start();
      const event = await writeEvent();
      await waitFor('the relay to hand the batch to the transport', holding);
      const stopped = relay.stop();
      answer();
      await stopped;
      expect(await isPublished(event.id)).toBe(true);
    });
  });

  it('a batch the transport refuses in the middle of a burst: the batch before stays marked, nothing is published twice', async () => {
    const published: string[] = [];
    let calls = 0;
    const flaky: EventTransport = Object.assign(Object.create(transport) as EventTransport, {
      copyFromOutbox: undefined, // through `publish`: the path Kafka takes
      publish: async (messages: readonly OutboundMessage[]) => {
        calls += 1;
        if (calls === 2) throw new Error('broker unavailable');
        await transport.publish(messages);
        published.push(...messages.map((m) => m.event.id));
      },
    });
    const events = await writeBurst(12);
    startRelay(flaky, { batchSize: 5 });
    await waitFor('all twelve published', async () => (await Promise.all(events.map((e) => isPublished(e.id)))).every(Boolean), { timeoutMs: 5_000 });
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(published.filter((id) => events.some((e) => e.id === id))).toEqual(events.map((e) => e.id));
  });
  describe('with the log in the same database (single-process mode, docs/adr/0053)', () => {
    /** The log's entries for `keys`, in log order, decoded as a consumer decodes them. */
    const logged = async (keys: readonly string[]) => {
      const rows = (await dataSource.query(
        `SELECT message_key, headers, value FROM "${EVENT_LOG_SCHEMA}".messages WHERE message_key = ANY($1::text[]) ORDER BY log_offset`,
        [[...keys]],
      )) as { message_key: string; headers: Record<string, string>; value: Buffer }[];
      return rows.map((row) => ({ key: row.message_key, event: fromKafkaMessage(row.headers, row.value).event }));
    };

    it('copies a burst into the log a batch per statement, never through `publish`: each event once, in order, decoded as published', async () => {
      const statements = jest.spyOn(RelaySession.prototype, 'query');
      const publish = jest.spyOn(transport, 'publish');
      try {
        const events = await writeBurst(12);
        startRelay(transport, { batchSize: 5 });
        await waitFor('all twelve published', async () => (await Promise.all(events.map((e) => isPublished(e.id)))).every(Boolean), { timeoutMs: 5_000 });
        const log = await logged(events.map((e) => e.subject));
        // The whole envelope, as the consumer rebuilds it from the headers and the value.
        expect(log).toEqual(events.map((event) => ({ key: event.subject, event })));
        expect(publish).not.toHaveBeenCalled();
        const copies = statements.mock.calls.filter(([sql]) => String(sql).includes('AS copied'));
        // 5 + 5 + 2: a short batch ends the drain.
        expect(copies).toHaveLength(3);
      } finally {
        statements.mockRestore();
        publish.mockRestore();
      }
    });

    it('P9: every group reading the topic gets the data in transit; the log drops it once the last of them committed it, the outbox at once', async () => {
      const loggedValue = async (subject: string) =>
        ((await dataSource.query(`SELECT convert_from(value, 'UTF8') AS value FROM "${EVENT_LOG_SCHEMA}".messages WHERE message_key = $1`, [subject])) as { value: string }[])[0]
          ?.value;
      const received = new Map<string, unknown>();
      let releaseSlow!: () => void;
      const slowMayGo = new Promise<void>((resolve) => (releaseSlow = resolve));
      const suffix = randomUUID().slice(0, 8);
      const fast = await transport.subscribe({ group: `fast-${suffix}`, topics: [NotificationEmailReceivedV1.topic], handle: async (m) => void received.set('fast', m.event) });
      const slow = await transport.subscribe({
        group: `slow-${suffix}`,
        topics: [NotificationEmailReceivedV1.topic],
        handle: async (m) => {
          await slowMayGo;
          received.set('slow', m.event);
        },
      });
      try {
        const event = await writeMailEvent();
        startRelay();
        await waitFor('the fast group to have it', () => received.has('fast'));
        expect(received.get('fast')).toMatchObject({ data: { inTransit: { text: `password: ${PASSWORD}` } } });
        // Marked published in the statement that drops it (on the publish path, just after the
        // transport took it: a group may read it a moment before).
        await waitFor('the row marked published', () => isPublished(event.id));
        expect(JSON.stringify(await keptEvent(event.id))).not.toContain(PASSWORD);
        // The slow group has still to read it: the log keeps it whole.
        expect(await loggedValue(event.subject)).toContain(PASSWORD);
        releaseSlow();
        await waitFor('the slow group to have it', () => received.has('slow'));
        expect(received.get('slow')).toMatchObject({ data: { inTransit: { text: `password: ${PASSWORD}` } } });
        const scrubbed = await waitFor('the log entry scrubbed', async () => {
          const value = await loggedValue(event.subject);
          return value !== undefined && !value.includes(PASSWORD) && value;
        });
        expect(JSON.parse(scrubbed)).toEqual({ ...event.data, inTransit: undefined });
      } finally {
        releaseSlow();
        await fast.stop();
        await slow.stop();
      }
    });

    it('a relay killed in the middle of a copy publishes nothing of it; the next relay publishes each event once', async () => {
      // Another appender holds the log's append lock, so the copy waits inside its statement.
      const appender = new Client({ connectionString: db.url });
      await appender.connect();
      try {
        await appender.query('BEGIN');
        await appender.query(`SELECT pg_advisory_xact_lock(hashtext('${EVENT_LOG_SCHEMA}:append'))`);
        const events = await writeBurst(7);
        startRelay();
        // Asked on another connection: within the appender's transaction the activity view stands still.
        const waiting = async () =>
          (await dataSource.query(
            `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE 'WITH picked AS%'`,
            [`${SCHEMA}:outbox-relay`],
          )) as { pid: number }[];
        const [copying] = await waitFor('the copy waiting for the append lock', async () => {
          const rows = await waiting();
          return rows.length > 0 && rows;
        });
        await dataSource.query('SELECT pg_terminate_backend($1)', [copying.pid]);
        expect(await Promise.all(events.map((e) => isPublished(e.id)))).toEqual(events.map(() => false));
        await appender.query('COMMIT');
        await waitFor('all seven published after the relay reconnected', async () => (await Promise.all(events.map((e) => isPublished(e.id)))).every(Boolean), {
          timeoutMs: 10_000,
        });
        expect((await logged(events.map((e) => e.subject))).map((entry) => entry.key)).toEqual(events.map((e) => e.subject));
      } finally {
        await appender.end();
      }
    });
  });
});
