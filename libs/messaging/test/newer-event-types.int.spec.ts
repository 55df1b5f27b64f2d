import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { dataSchemaUri, TicketCreatedV1, type CloudEventEnvelope } from '@tss/contracts';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { EventConsumer, on, onNewerTypes, type EventConsumerOptions } from '../src/consumer/event-consumer';
import { Outbox } from '../src/outbox/outbox';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { sampleTicketAccepted, sampleTicketCreated } from '../src/testing';
import type { BatchProgress, InboundMessage } from '../src/transport';
import { openPipelineDatabase, type PipelineDatabase } from './support/test-pipeline';

const PRODUCER = 'newer_producer';
const CONSUMER = 'newer_consumer';
/** The bound the tests give: events younger than this, of a type newer than the release, wait for a newer member. */
const WAIT_MS = 300_000;
/** Longest single hand-over: the consumer looks at a held event again at least this often. */
const STEP_MS = 5_000;
/** A type no contract of this release names, in the `ticket.` family (a newer release's). */
const NEWER_TYPE = 'ticket.handed_over_in_a_later_release';

const envelopeOf = (type: string, version: number, subject: string, data: unknown, time: Date): CloudEventEnvelope => ({
  specversion: '1.0',
  id: randomUUID(),
  source: 'tss/ticket-intake',
  type,
  time: time.toISOString(),
  subject,
  datacontenttype: 'application/json',
  dataschema: dataSchemaUri(type, version),
  data,
});

let offset = 0;
/** A message of partition `partition` of `tss.ticket`, as the Kafka transport hands it over. */
const messageOf = (event: CloudEventEnvelope, partition = 0): InboundMessage => ({
  topic: 'tss.ticket',
  key: event.subject,
  event,
  raw: { value: Buffer.from(JSON.stringify(event.data)), headers: {} },
  position: `tss.ticket/${partition}@${(offset += 1)}`,
});

/**
 * docs/adr/0072, addendum of 2026-12-05, third session: during a rolling upgrade, a consumer of the
 * older release meets an event type only the newer one knows. Skipping it lost it for good (the
 * newer member never sees what its group committed past), so while the event is young the older
 * member leaves it for a newer one: its partition is handed back, nothing past it committed.
 */
describe('an event type newer than the release, with no handler for it (docs/adr/0072)', () => {
  let pipeline: PipelineDatabase;
  let clock: TestClock;
  let timeline: string[];
  let log: ReturnType<typeof logCapture>;

  beforeAll(async () => {
    pipeline = await openPipelineDatabase('newer_event_types', { producer: PRODUCER, consumer: CONSUMER });
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  beforeEach(() => {
    clock = new TestClock('2026-12-05T12:00:00.000Z');
    timeline = [];
    log = logCapture();
  });

  const consumer = (options: Partial<Pick<EventConsumerOptions, 'newerTypeWaitMs' | 'newerTypes'>> = {}) =>
    new EventConsumer({
      group: `newer-${randomUUID().slice(0, 8)}`,
      schema: CONSUMER,
      transport: pipeline.transport,
      unitOfWork: new UnitOfWork(pipeline.consumerDs),
      outbox: new Outbox({ service: 'notification', schema: CONSUMER, clock }),
      clock,
      logger: pino({ level: 'debug' }, log.stream),
      // An older notification: it reads `ticket.*` and binds `ticket.created` of them.
      bindings: [on(TicketCreatedV1, async (event) => void timeline.push(`created ${event.data.sequence}`))],
      maxRetryDelayMs: STEP_MS,
      ...options,
    });

  /** A Kafka partition's progress for one delivered batch (`retryLater` pauses it); without `retryLater`, the in-process reader's. */
  const progressOf = (partition: string, { canRetryLater = true } = {}): BatchProgress => ({
    handled: (count) => void timeline.push(`${partition}: handled ${count}`),
    isRunning: () => true,
    heartbeat: async () => undefined,
    ...(canRetryLater ? { retryLater: (delayMs: number) => void timeline.push(`${partition}: retry later ${delayMs}`) } : {}),
  });

  const created = (sequence: number, ticketId = randomUUID()) => messageOf(envelopeOf(TicketCreatedV1.type, 1, ticketId, sampleTicketCreated(sequence), clock.now()));
  const newer = (ageMs: number, partition = 0) => messageOf(envelopeOf(NEWER_TYPE, 1, randomUUID(), { partnerId: randomUUID(), sequence: 7 }, new Date(clock.now().getTime() - ageMs)), partition);
  /** What a batch's deliveries came to, whichever way the consumer cut the batch: no hand-over, every event dealt with. */
  const dealtWithAtOnce = (partition: string, events: number, handled: string[]) => {
    expect(timeline.filter((t) => t.includes('retry later'))).toEqual([]);
    expect(timeline.filter((t) => !t.startsWith(`${partition}: handled`))).toEqual(handled);
    expect(timeline.at(-1)).toBe(`${partition}: handled ${events}`);
  };
  const skippedLines = () => log.lines.filter((l) => l.level === 40 && /newer than this release/.test(l.msg));

  it('a young event of a newer type in a family the consumer reads is not committed past: its partition is handed back and it is tried again', async () => {
    const sut = consumer({ newerTypeWaitMs: WAIT_MS });
    const held = newer(60_000);
    const after = created(3);

    await sut.consumeBatch([created(1), held, after], progressOf('p0'));
    clock.advanceMs(STEP_MS);
    await sut.consumeBatch([held, after], progressOf('p0'));

    expect(timeline).toEqual([
      'created 1',
      'p0: handled 1', // the event before it is committed
      `p0: retry later ${STEP_MS}`, // nothing past it: the partition is paused and fetched again from it
      `p0: retry later ${STEP_MS}`,
    ]);
    expect(sut.outcomes).toMatchObject({ handled: 1, skipped: 0 });
    expect(skippedLines()).toEqual([]);
  });

  it('the wait ends at the bound, measured from the event’s own time: then it is skipped, logged once, and the partition goes on', async () => {
    const sut = consumer({ newerTypeWaitMs: WAIT_MS });
    const held = newer(WAIT_MS - 2_000);
    const after = created(3);

    await sut.consumeBatch([held, after], progressOf('p0'));
    clock.advanceMs(2_000);
    await sut.consumeBatch([held, after], progressOf('p0'));

    expect(timeline).toEqual(['p0: retry later 2000', 'p0: handled 1', 'created 3', 'p0: handled 2']);
    expect(sut.outcomes).toMatchObject({ handled: 1, skipped: 1 });
    const event = held.event as CloudEventEnvelope;
    expect(skippedLines()).toEqual([
      expect.objectContaining({ type: NEWER_TYPE, eventId: event.id, topic: 'tss.ticket', position: held.position, msg: expect.stringContaining('skipped') }),
    ]);
  });

  it('an event already older than the bound when it arrives (a rollback reading what the newer release wrote) is skipped at once, logged once', async () => {
    const sut = consumer({ newerTypeWaitMs: WAIT_MS });
    const old = newer(WAIT_MS + 1);

    await sut.consumeBatch([old, created(2)], progressOf('p0'));

    dealtWithAtOnce('p0', 2, ['created 2']);
    expect(sut.outcomes).toMatchObject({ handled: 1, skipped: 1 });
    expect(skippedLines()).toHaveLength(1);
  });

  it('other partitions go on while one holds a young event of a newer type', async () => {
    const sut = consumer({ newerTypeWaitMs: WAIT_MS });

    await sut.consumeBatch([newer(0, 0)], progressOf('p0'));
    await sut.consumeBatch([created(1), created(2)], progressOf('p1'));

    expect(timeline).toEqual([`p0: retry later ${STEP_MS}`, 'created 1', 'created 2', 'p1: handled 2']);
  });

  it('a known type, and a type of a family the consumer does not read, are skipped at once without a word, as before', async () => {
    const sut = consumer({ newerTypeWaitMs: WAIT_MS });
    const accepted = messageOf(envelopeOf('ticket.accepted', 1, randomUUID(), sampleTicketAccepted(2), clock.now()));
    const otherFamily = messageOf(envelopeOf('partner.merged_in_a_later_release', 1, randomUUID(), {}, clock.now()));

    await sut.consumeBatch([accepted, otherFamily, created(3)], progressOf('p0'));

    expect(timeline).toEqual(['created 3', 'p0: handled 3']);
    expect(sut.outcomes).toMatchObject({ handled: 1, skipped: 2 });
    expect(skippedLines()).toEqual([]);
  });

  it('a consumer with a handler for the family’s newer types hands it to the handler, not to a newer member', async () => {
    const sut = consumer({ newerTypeWaitMs: WAIT_MS, newerTypes: [onNewerTypes('ticket.', async (event) => void timeline.push(`newer ${event.type}`))] });

    await sut.consumeBatch([newer(0)], progressOf('p0'));

    expect(timeline).toEqual([`newer ${NEWER_TYPE}`, 'p0: handled 1']);
  });

  it('a bound of 0 skips at once, as before', async () => {
    const sut = consumer({ newerTypeWaitMs: 0 });

    await sut.consumeBatch([newer(0), created(2)], progressOf('p0'));

    dealtWithAtOnce('p0', 2, ['created 2']);
    expect(skippedLines()).toHaveLength(1);
  });

  it('a transport with no newer member to leave it to (in-process: one reader per group) skips it at once', async () => {
    const sut = consumer({ newerTypeWaitMs: WAIT_MS });

    await sut.consumeBatch([newer(0), created(2)], progressOf('log', { canRetryLater: false }));

    dealtWithAtOnce('log', 2, ['created 2']);
    expect(skippedLines()).toHaveLength(1);
  });
});
