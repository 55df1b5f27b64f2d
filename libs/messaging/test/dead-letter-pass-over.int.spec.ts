import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TicketAcceptedV1, TicketCreatedV1 } from '@tss/contracts';
import { logCapture, waitFor } from '@tss/service-kit/testing';
import { EventConsumer, on } from '../src/consumer/event-consumer';
import { NotYet } from '../src/consumer/not-yet';
import { runDeadLetterCommand } from '../src/dead-letters/dead-letter-command';
import type { DeadLetterRow } from '../src/dead-letters/dead-letter.store';
import { openPipeline, type Pipeline } from './support/test-pipeline';

const CONSUMER = 'pass_over_consumer';

class EffectsTable1764900000003 {
  name = 'EffectsTable1764900000003';
  async up(queryRunner: { query(sql: string): Promise<unknown> }) {
    await queryRunner.query(`CREATE TABLE "${CONSUMER}".effects (ticket_id text NOT NULL, sequence int NOT NULL, type text NOT NULL)`);
  }
  async down() {}
}

type Tx = { query(sql: string, p: unknown[]): Promise<unknown> };

/**
 * docs/adr/0072, addendum of 2026-12-05, seventh session: an event waiting for one that will never
 * come (a newer type an older release skipped, a dead letter an operator skipped) applies only by an
 * operator's `dead-letters replay <id> --pass-over`, and only where the consumer declares how to go
 * past what it waits for; the command knows nothing of what is passed over but what the consumer says.
 */
describe('dead-letters replay <id> --pass-over (docs/adr/0013, 0072)', () => {
  let pipeline: Pipeline;
  let consumerDs: DataSource;
  let consumer: EventConsumer;
  const log = logCapture();
  /** Tickets whose acceptance the projection refuses for a reason of its own (not an order). */
  const failFor = new Set<string>();
  /** Tickets whose projection cannot go past what it waits for, leave or not. */
  const cannotPass = new Set<string>();

  const record = (tx: Tx, ticketId: string, sequence: number, type: string) =>
    tx.query(`INSERT INTO "${CONSUMER}".effects (ticket_id, sequence, type) VALUES ($1, $2, $3)`, [ticketId, sequence, type]);
  const lastOf = async (tx: Tx, ticketId: string): Promise<number | undefined> =>
    ((await tx.query(`SELECT max(sequence) AS last FROM "${CONSUMER}".effects WHERE ticket_id = $1`, [ticketId])) as { last: number | null }[])[0].last ?? undefined;

  beforeAll(async () => {
    pipeline = await openPipeline('dead_letter_pass_over', { producer: 'pass_over_producer', consumer: CONSUMER, consumerMigrations: [EffectsTable1764900000003], logger: pino({ level: 'silent' }) });
    ({ consumerDs } = pipeline);
    consumer = pipeline.consumer({
      group: 'pass-over-projection',
      logger: pino({ level: 'debug' }, log.stream),
      bindings: [
        on(TicketCreatedV1, async (event, { tx }) => void (await record(tx, event.subject, event.data.sequence, 'created'))),
        // A projection applying a key's events in sequence: how it goes past a gap, when an operator lets it.
        on(TicketAcceptedV1, async (event, { tx, passOver }) => {
          if (failFor.has(event.subject)) throw new Error('the projection refuses this acceptance');
          const last = await lastOf(tx, event.subject);
          const { sequence } = event.data;
          if (last !== undefined && sequence > last + 1) {
            if (!passOver || cannotPass.has(event.subject)) throw new NotYet(`event ${sequence} waits for event ${last + 1}`);
            passOver.passed(`sequence ${last + 1}${sequence - 1 > last + 1 ? ` to ${sequence - 1}` : ''} of ticket ${event.subject}`);
          }
          await record(tx, event.subject, sequence, 'accepted');
        }),
      ],
      retryBaseMs: 5,
      maxRetryDelayMs: 20,
      maxAttempts: 2,
      notYetMaxWaitMs: 100,
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await pipeline?.close();
  });

  const publish = (...events: [string, 'created' | 'accepted', number][]) => pipeline.publishTicketEvents(events);
  const effects = async (ticketId: string) =>
    ((await consumerDs.query(`SELECT sequence, type FROM "${CONSUMER}".effects WHERE ticket_id = $1 ORDER BY ctid`, [ticketId])) as { sequence: number; type: string }[]).map(
      (e) => `${e.sequence}:${e.type}`,
    );
  const deadLetters = (ticketId: string) =>
    consumerDs.query(`SELECT * FROM "${CONSUMER}".dead_letters WHERE message_key = $1 ORDER BY id`, [ticketId]) as Promise<DeadLetterRow[]>;
  const drained = async () => {
    const marker = randomUUID();
    await publish([marker, 'created', 1]);
    await waitFor('the marker event', async () => (await effects(marker)).length === 1);
  };
  /** Created (1), then 2 never delivered: 3 is dead-lettered waiting for it, 4 and 5 parked behind it. */
  const gapAtTwo = async (): Promise<{ ticketId: string; failed: DeadLetterRow }> => {
    const ticketId = randomUUID();
    await publish([ticketId, 'created', 1], [ticketId, 'accepted', 3], [ticketId, 'accepted', 4], [ticketId, 'accepted', 5]);
    await drained();
    const rows = await deadLetters(ticketId);
    expect(rows.map((r) => [r.kind, r.status])).toEqual([
      ['failed', 'parked'],
      ['held', 'parked'],
      ['held', 'parked'],
    ]);
    return { ticketId, failed: rows[0] };
  };

  it('the consumer itself never passes a gap: the event waits, then is dead-lettered, its key parked', async () => {
    const { ticketId, failed } = await gapAtTwo();
    expect(failed.reason).toMatch(/^not yet after \d+ ms of retries: event 3 waits for event 2$/);
    expect(await effects(ticketId)).toEqual(['1:created']);
  });

  it('replay alone still fails; replay --pass-over applies it over what it waits for, says what it passed, then releases the parked events in order', async () => {
    const { ticketId, failed } = await gapAtTwo();
    const replayed = await runDeadLetterCommand(consumer.deadLetters, ['replay', failed.id]);
    expect(replayed).toEqual({ exitCode: 1, output: `replay ${failed.id}: still_failing: event 3 waits for event 2\n` });
    expect(await effects(ticketId)).toEqual(['1:created']);

    log.lines.length = 0;
    const passed = await runDeadLetterCommand(consumer.deadLetters, ['replay', failed.id, '--pass-over']);
    expect(passed).toEqual({
      exitCode: 0,
      output: `dead letter ${failed.id} replayed, passing over sequence 2 of ticket ${ticketId}; 2 parked event(s) of its key released\n`,
    });
    expect(await effects(ticketId)).toEqual(['1:created', '3:accepted', '4:accepted', '5:accepted']);
    expect((await deadLetters(ticketId)).map((r) => r.status)).toEqual(['replayed', 'replayed', 'replayed']);
    // One line says what was passed over, once the replay committed.
    const said = log.lines.filter((l) => l.msg.includes('passing over'));
    expect(said).toEqual([
      expect.objectContaining({ level: 40, deadLetter: failed.id, key: ticketId, eventType: TicketAcceptedV1.type, passedOver: [`sequence 2 of ticket ${ticketId}`] }),
    ]);

    // The key goes on as usual, and a second run changes nothing.
    await publish([ticketId, 'accepted', 6]);
    await drained();
    expect(await runDeadLetterCommand(consumer.deadLetters, ['replay', failed.id, '--pass-over'])).toEqual({
      exitCode: 1,
      output: `replay ${failed.id}: not_parked: dead letter ${failed.id} is already replayed\n`,
    });
    expect(await effects(ticketId)).toEqual(['1:created', '3:accepted', '4:accepted', '5:accepted', '6:accepted']);
  });

  it('a later gap among the released events is not passed: that event becomes the key dead letter and holds the rest', async () => {
    const ticketId = randomUUID();
    await publish([ticketId, 'created', 1], [ticketId, 'accepted', 3], [ticketId, 'accepted', 5], [ticketId, 'accepted', 6]);
    await drained();
    const [failed, , ] = await deadLetters(ticketId);
    const passed = await runDeadLetterCommand(consumer.deadLetters, ['replay', failed.id, '--pass-over']);
    const [, fifth] = await deadLetters(ticketId);
    expect(passed.output).toBe(
      `dead letter ${failed.id} replayed, passing over sequence 2 of ticket ${ticketId}; 0 parked event(s) of its key released; dead letter ${fifth.id} of the same key still holds the rest\n`,
    );
    expect(await effects(ticketId)).toEqual(['1:created', '3:accepted']);
    expect((await deadLetters(ticketId)).map((r) => [r.kind, r.status])).toEqual([
      ['failed', 'replayed'],
      ['failed', 'parked'],
      ['held', 'parked'],
    ]);
    expect((await deadLetters(ticketId))[1].reason).toBe('event 5 waits for event 4');
  });

  it('refused when the event applies without passing anything (nothing to pass over): rolled back, still parked, replay then applies it', async () => {
    const ticketId = randomUUID();
    failFor.add(ticketId);
    await publish([ticketId, 'created', 1], [ticketId, 'accepted', 2], [ticketId, 'accepted', 3]);
    await drained();
    const [failed] = await deadLetters(ticketId);
    expect(failed.reason).toBe('handler failed 2 times: the projection refuses this acceptance');
    failFor.delete(ticketId); // the cause fixed

    expect(await runDeadLetterCommand(consumer.deadLetters, ['replay', failed.id, '--pass-over'])).toEqual({
      exitCode: 1,
      output: `replay ${failed.id}: nothing_to_pass_over: dead letter ${failed.id} applies without passing over anything; replay it without --pass-over\n`,
    });
    expect(await effects(ticketId)).toEqual(['1:created']);
    expect((await deadLetters(ticketId)).map((r) => [r.kind, r.status, r.reason])).toEqual([
      ['failed', 'parked', failed.reason],
      ['held', 'parked', 'an earlier event of this key is dead-lettered'],
    ]);

    expect(await runDeadLetterCommand(consumer.deadLetters, ['replay', failed.id])).toEqual({
      exitCode: 0,
      output: `dead letter ${failed.id} replayed; 1 parked event(s) of its key released\n`,
    });
    expect(await effects(ticketId)).toEqual(['1:created', '2:accepted', '3:accepted']);
  });

  it('a consumer that does not declare how to pass what it waits for: --pass-over fails as replay does', async () => {
    const { ticketId, failed } = await gapAtTwo();
    cannotPass.add(ticketId);
    expect(await runDeadLetterCommand(consumer.deadLetters, ['replay', failed.id, '--pass-over'])).toEqual({
      exitCode: 1,
      output: `replay ${failed.id}: still_failing: event 3 waits for event 2\n`,
    });
    expect(await effects(ticketId)).toEqual(['1:created']);
    expect((await deadLetters(ticketId)).map((r) => r.status)).toEqual(['parked', 'parked', 'parked']);
  });

  it('--pass-over goes with replay only', async () => {
    expect(await runDeadLetterCommand(consumer.deadLetters, ['skip', '1', '--pass-over'])).toMatchObject({ exitCode: 64 });
    expect(await runDeadLetterCommand(consumer.deadLetters, ['replay', '1', '--pass'])).toMatchObject({ exitCode: 64 });
    expect(await runDeadLetterCommand(consumer.deadLetters, ['list', 'parked', '--pass-over'])).toMatchObject({ exitCode: 64 });
  });
});
