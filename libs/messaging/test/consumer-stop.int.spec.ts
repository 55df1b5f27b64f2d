import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TicketAcceptedV1 } from '@tss/contracts';
import { systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { on } from '../src/consumer/event-consumer';
import { NotYet } from '../src/consumer/not-yet';
import { Outbox } from '../src/outbox/outbox';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { openPipeline, type Pipeline } from './support/test-pipeline';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const PRODUCER = 'stop_producer';
const CONSUMER = 'stop_consumer';

describe('a consumer stopping while an event waits for its prerequisite (docs/adr/0013)', () => {
  let pipeline: Pipeline;
  let producerDs: DataSource;
  let consumerDs: DataSource;
  let relay: OutboxRelay;
  const outbox = new Outbox({ service: 'ticket-intake', schema: PRODUCER, clock: systemClock });

  beforeAll(async () => {
    pipeline = await openPipeline('consumer_stop', { producer: PRODUCER, consumer: CONSUMER, logger });
    ({ producerDs, consumerDs, relay } = pipeline);
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it('gives the event back at once instead of holding up shutdown, and it applies after the restart', async () => {
    const ticketId = randomUUID();
    let prerequisiteArrived = false;
    let attempts = 0;
    const applied: string[] = [];
    const consumer = () =>
      pipeline.consumer({
        group: 'stop-projection',
        logger,
        bindings: [
          on(TicketAcceptedV1, async (event) => {
            attempts += 1;
            if (!prerequisiteArrived) throw new NotYet('ticket not known here yet');
            applied.push(event.subject);
          }),
        ],
        retryBaseMs: 5,
        maxRetryDelayMs: 20,
        // Far longer than the test: only stopping can end the wait.
        notYetMaxWaitMs: 600_000,
      });
    const first = consumer();
    await first.start();
    await new UnitOfWork(producerDs, relay).run((tx) =>
      outbox.add(tx, TicketAcceptedV1, ticketId, { partnerId: randomUUID(), sequence: 2, acceptedAt: '2026-01-01T00:00:00.000Z', via: 'api' }),
    );
    await waitFor('the event to be retried', () => attempts >= 3);
    let stopped = false;
    const stopping = first.stop().then(() => (stopped = true));
    await waitFor('stop to return while the event still waits', () => stopped, { timeoutMs: 5_000 });
    await stopping;
    expect(first.outcomes['dead-lettered']).toBe(0);

    prerequisiteArrived = true;
    const second = consumer();
    await second.start();
    try {
      await waitFor('the event redelivered and applied', () => applied.includes(ticketId));
      expect(await consumerDs.query(`SELECT id FROM "${CONSUMER}".dead_letters`)).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});
