import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { dataSchemaUri, TicketAcceptedV1, TicketCreatedV1, type CloudEvent, type EventContract, type EventData } from '@tss/contracts';
import { systemClock } from '@tss/service-kit';
import { EventConsumer, on, type EventConsumerOptions } from '../src/consumer/event-consumer';
import { NotYet } from '../src/consumer/not-yet';
import { Outbox } from '../src/outbox/outbox';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { sampleTicketAccepted, sampleTicketCreated } from '../src/testing';
import type { BatchProgress, InboundMessage } from '../src/transport';
import { openPipelineDatabase, type PipelineDatabase } from './support/test-pipeline';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const PRODUCER = 'wait_producer';
const CONSUMER = 'wait_consumer';

const messageOf = <C extends EventContract>(contract: C, subject: string, data: EventData<C>): InboundMessage => {
  const event: CloudEvent<EventData<C>> = {
    specversion: '1.0',
    id: randomUUID(),
    source: `tss/${contract.owner}`,
    type: contract.type,
    time: systemClock.now().toISOString(),
    subject,
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(contract.type, contract.version),
    data,
  };
  return { topic: contract.topic, key: subject, event, raw: { value: null, headers: {} }, position: `${contract.topic}/0@${event.id}` };
};

/**
 * A retry's wait inside a transport's batch (docs/adr/0013, addendum of 2026-12-05, second
 * session): it heartbeats, ends without a dead letter once the transport takes the message back,
 * and is handed to a transport that can deliver again later.
 */
describe('a consumer’s retry wait within a transport’s batch', () => {
  let pipeline: PipelineDatabase;
  /** Tickets whose `ticket.accepted` answers NotYet. */
  const notYetFor = new Set<string>();
  /** What happened, in order: handler attempts of `ticket.accepted`, and the transport's calls. */
  let timeline: string[];

  beforeAll(async () => {
    pipeline = await openPipelineDatabase('consumer_retry_wait', { producer: PRODUCER, consumer: CONSUMER });
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  beforeEach(() => {
    timeline = [];
  });

  const consumer = (options: Pick<EventConsumerOptions, 'retryBaseMs' | 'maxRetryDelayMs' | 'notYetMaxWaitMs'>) =>
    new EventConsumer({
      group: `wait-${randomUUID().slice(0, 8)}`,
      schema: CONSUMER,
      transport: pipeline.transport,
      unitOfWork: new UnitOfWork(pipeline.consumerDs),
      outbox: new Outbox({ service: 'rating', schema: CONSUMER, clock: systemClock }),
      clock: systemClock,
      logger,
      bindings: [
        on(TicketCreatedV1, async (event) => void timeline.push(`created ${event.data.sequence}`)),
        on(TicketAcceptedV1, async (event) => {
          timeline.push(`attempt ${event.data.sequence}`);
          if (notYetFor.has(event.subject)) throw new NotYet(`ticket ${event.subject} is not known here yet`);
          timeline.push(`accepted ${event.data.sequence}`);
        }),
      ],
      ...options,
    });

  /** A transport's progress for one batch; `running` says whether the transport still runs it. */
  const progressOf = ({ running = () => true, retryLater }: { running?: () => boolean; retryLater?: (delayMs: number) => void } = {}) => {
    let handled = 0;
    const progress: BatchProgress = {
      handled: (count) => {
        handled = count;
        timeline.push(`handled ${count}`);
      },
      isRunning: running,
      heartbeat: async () => void timeline.push('heartbeat'),
      ...(retryLater ? { retryLater } : {}),
    };
    return { progress, handled: () => handled };
  };

  const deadLetters = async (group: string) =>
    (await pipeline.consumerDs.query(`SELECT reason FROM "${CONSUMER}".dead_letters WHERE consumer_group = $1`, [group])) as { reason: string }[];

  it('a wait in line heartbeats, and ends without a dead letter when the transport takes the message back', async () => {
    const ticketId = randomUUID();
    notYetFor.add(ticketId);
    // One wait of 1.5 s: a heartbeat after each second of it at least. The wait would be spent at
    // the third attempt; the transport stops running the batch at the second heartbeat.
    const sut = consumer({ retryBaseMs: 1_500, maxRetryDelayMs: 1_500, notYetMaxWaitMs: 3_000 });
    let heartbeats = 0;
    const { progress, handled } = progressOf({ running: () => heartbeats < 2 });
    const heartbeat = progress.heartbeat;
    progress.heartbeat = async () => {
      heartbeats += 1;
      await heartbeat();
    };

    await sut.consumeBatch([messageOf(TicketAcceptedV1, ticketId, sampleTicketAccepted(2))], progress);

    expect(timeline).toEqual(['attempt 2', 'heartbeat', 'heartbeat']);
    expect(handled()).toBe(0);
    expect(sut.outcomes['dead-lettered']).toBe(0);
    expect(await deadLetters(sut.group)).toEqual([]);
  });

  it('a transport that delivers again later gets the wait: the batch returns at once, and the event applies when its prerequisite has come', async () => {
    const waiting = randomUUID();
    notYetFor.add(waiting);
    const sut = consumer({ retryBaseMs: 100, maxRetryDelayMs: 400, notYetMaxWaitMs: 60_000 });
    const delays: number[] = [];
    const retryLater = (delayMs: number) => {
      delays.push(delayMs);
      timeline.push(`retry later ${delayMs}`);
    };
    const before = messageOf(TicketCreatedV1, randomUUID(), sampleTicketCreated(1));
    const early = messageOf(TicketAcceptedV1, waiting, sampleTicketAccepted(2));
    const after = messageOf(TicketCreatedV1, randomUUID(), sampleTicketCreated(3));

    // First delivery: the event before it is handled, then the wait goes to the transport.
    await sut.consumeBatch([before, early, after], progressOf({ retryLater }).progress);
    // Second: from the waiting event on; it goes on its own, with its attempts counted on.
    await sut.consumeBatch([early, after], progressOf({ retryLater }).progress);
    notYetFor.delete(waiting);
    // Third, after its wait: it applies, and so does the rest.
    await sut.consumeBatch([early, after], progressOf({ retryLater }).progress);

    expect(timeline).toEqual([
      'created 1',
      'attempt 2', // in the batch's transaction, rolled back
      'created 1', // the events before it again, as their own batch
      'handled 1',
      'heartbeat',
      'retry later 100', // the batch's failure was its first attempt
      'attempt 2',
      'retry later 200',
      'attempt 2',
      'accepted 2',
      'handled 1',
      'heartbeat',
      'created 3',
      'handled 2',
      'heartbeat',
    ]);
    expect(delays).toEqual([100, 200]);
    expect(sut.outcomes).toMatchObject({ handled: 3, 'dead-lettered': 0 });
    expect(await deadLetters(sut.group)).toEqual([]);
  });

  it('a wait handed to the transport is still bounded: spent over deliveries, the event is dead-lettered (docs/adr/0013)', async () => {
    const ticketId = randomUUID();
    notYetFor.add(ticketId);
    const sut = consumer({ retryBaseMs: 100, maxRetryDelayMs: 400, notYetMaxWaitMs: 1_000 });
    const delays: number[] = [];
    const early = messageOf(TicketAcceptedV1, ticketId, sampleTicketAccepted(2));

    for (let delivery = 1; delivery <= 4; delivery += 1) await sut.consumeBatch([early], progressOf({ retryLater: (ms) => void delays.push(ms) }).progress);

    // Waits of 100, 200, 400 (700 ms summed); a fourth of 400 would pass 1 000: the last attempt,
    // told so, then the dead letter, on the fourth delivery.
    expect(delays).toEqual([100, 200, 400]);
    expect(sut.outcomes['dead-lettered']).toBe(1);
    expect(await deadLetters(sut.group)).toEqual([{ reason: `not yet after 700 ms of retries: ticket ${ticketId} is not known here yet` }]);
  });
});
