import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { TicketAcceptedV1, TicketCreatedV1, TicketRespondedV1, TicketStatusChangedV1, type EventContract, type EventData } from '@tss/contracts';
import { Outbox, runDeadLetterCommand, type DeadLetterRow } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest, entryPointArgs } from '@tss/runtime/testing';
import { logCapture, TestClock, waitFor } from '@tss/service-kit/testing';
import type { TimerWorker } from '@tss/timers';
import { clockPipeline, withoutWorker } from './support/clock-pipeline';
import { gatewayPartners } from './support/gateway-partners';

const HOUR = 3_600_000;
const REPO = path.resolve(__dirname, '../../../..');

/** The operator's command as `npx nx run sla-timer:dead-letters -- …` and `node dist/services/sla-timer/main.js dead-letters …` run it. */
const operatorCommand = (databaseUrl: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [...entryPointArgs(path.join(REPO, 'services/sla-timer/src/main.ts')), 'dead-letters', ...args],
      { cwd: REPO, env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });

/**
 * The outside tester's upgrade (docs/adr/0072, addendum of 2026-12-05, seventh session): an older
 * sla-timer skipped a ticket's `ticket.details_changed` (sequence 3) and committed past it, so the
 * ticket's `ticket.responded` (4) waited for 3, was dead-lettered, and its status change (5) parked
 * behind it; `dead-letters replay` could never apply it. The events go through sla-timer's own hosted
 * consumer (intake's events, as its relay publishes them) and the operator's command is the one
 * `main.ts dead-letters` runs.
 */
describe('a ticket event waiting for a sequence number that never comes: dead-letters replay <id> --pass-over (sla-timer)', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const t0 = clock.now().getTime();
  const log = logCapture();
  let sut: ServiceUnderTest;
  let worker: TimerWorker;
  const partnerId = randomUUID();

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorker, { clock, logger: pino({ level: 'warn' }, log.stream), consumerRetryBaseMs: 5, consumerNotYetMaxWaitMs: 50 });
    ({ worker } = clockPipeline(sut, clock, pino({ level: 'silent' }), 'pass-over'));
    await gatewayPartners(sut, clock).registered(partnerId);
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const admin = () => sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read' });
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const advanceTo = async (ms: number) => {
    clock.set(new Date(t0 + ms));
    while ((await worker.runDue()) > 0);
  };

  /** Intake's event, as its relay publishes it: through the in-process log to sla-timer's hosted consumer. */
  const publish = async <C extends EventContract>(contract: C, ticketId: string, data: EventData<C>): Promise<string> => {
    const intake = new Outbox({ service: contract.owner, schema: 'sla_timer', clock });
    return (await sut.host.unitOfWork.run((tx) => intake.add(tx, contract, ticketId, data))).id;
  };
  const handled = (eventId: string) => waitFor(`event ${eventId} handled`, async () => (await sut.query(`SELECT 1 FROM sla_timer.inbox WHERE event_id = $1`, [eventId])).length > 0);
  const deadLetterOf = (eventId: string, kind: 'failed' | 'held') =>
    waitFor(`event ${eventId} ${kind === 'failed' ? 'dead-lettered' : 'parked'}`, async () =>
      (await sut.query<DeadLetterRow>(`SELECT * FROM sla_timer.dead_letters WHERE event_id = $1 AND kind = $2`, [eventId, kind]))[0],
    );
  const deadLetters = async (ticketId: string) =>
    (await sut.query<DeadLetterRow>(`SELECT * FROM sla_timer.dead_letters WHERE message_key = $1 ORDER BY id`, [ticketId])).map((r) => [r.kind, r.status]);
  const slaEvents = async (ticketId: string) =>
    (
      await sut.query<{ type: string; data: Record<string, unknown> }>(
        `SELECT event_type AS type, event->'data' AS data FROM sla_timer.outbox WHERE event->>'subject' = $1 AND event_type LIKE 'sla.%' ORDER BY position`,
        [ticketId],
      )
    ).map((e) => ({ type: e.type, ...e.data }));
  const ticketRow = async (ticketId: string) =>
    (await sut.query<{ last_sequence: number; status: string }>(`SELECT last_sequence, status FROM sla_timer.tickets WHERE ticket_id = $1`, [ticketId]))[0];
  const command = (...argv: string[]) => runDeadLetterCommand(sut.host.consumer.deadLetters, argv);

  const created = (ticketId: string) =>
    publish(TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-01234-56789',
      channel: 'api',
      product: 'reader',
      level: 'standard',
      subject: 'EPUB import fails',
      requester: { id: 'cust-1' },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
    });
  const responded = (ticketId: string, sequence: number) =>
    publish(TicketRespondedV1, ticketId, { partnerId, sequence, messageId: randomUUID(), respondedAt: clock.now().toISOString(), authorId: 'agent-1' });

  it('replay alone fails; --pass-over applies 4 over 3, then 5: the response in time is sla.met after the published breach, and GET …/sla agrees', async () => {
    const ticketId = randomUUID();
    // Standard, filed at 09:00: due 21:00. Sequence 3 (10:00) went to a consumer that skipped it.
    await handled(await created(ticketId));
    await handled(await publish(TicketAcceptedV1, ticketId, { partnerId, sequence: 2, acceptedAt: clock.now().toISOString(), via: 'api' }));
    // Answered at 18:56:51, within its due time: the event waits for 3, then is dead-lettered.
    await advanceTo(9 * HOUR + 56 * 60_000 + 51_000);
    const failed = await deadLetterOf(await responded(ticketId, 4), 'failed');
    expect(failed.reason).toMatch(new RegExp(`^not yet after \\d+ ms of retries: ticket ${ticketId}: event 4 waits for event 3$`));
    // The breach timer fires at 21:00 (the response is not applied); the ticket waits on the requester at 21:30.
    await advanceTo(12 * HOUR + 1_000);
    await advanceTo(12 * HOUR + 30 * 60_000);
    await deadLetterOf(
      await publish(TicketStatusChangedV1, ticketId, { partnerId, sequence: 5, from: 'open', to: 'awaiting_customer', reason: 'insufficient_information', changedAt: clock.now().toISOString() }),
      'held',
    );
    expect((await slaEvents(ticketId)).map((e) => e.type)).toEqual(['sla.clock_started', 'sla.warning', 'sla.breached']);

    // The documented remedy as it was: still waiting for 3.
    expect(await command('replay', failed.id)).toEqual({ exitCode: 1, output: `replay ${failed.id}: still_failing: ticket ${ticketId}: event 4 waits for event 3\n` });
    expect(await ticketRow(ticketId)).toEqual({ last_sequence: 2, status: 'new' });

    log.lines.length = 0;
    expect(await command('replay', failed.id, '--pass-over')).toEqual({
      exitCode: 0,
      output: `dead letter ${failed.id} replayed, passing over sequence 3 of ticket ${ticketId} (taken as an event that moves no clock); 1 parked event(s) of its key released\n`,
    });
    expect(log.lines.filter((l) => l.msg.includes('passing over'))).toEqual([
      expect.objectContaining({ level: 40, deadLetter: failed.id, key: ticketId, eventType: TicketRespondedV1.type, passedOver: [`sequence 3 of ticket ${ticketId} (taken as an event that moves no clock)`] }),
    ]);
    expect(await deadLetters(ticketId)).toEqual([
      ['failed', 'replayed'],
      ['held', 'replayed'],
    ]);
    // 4, then 5: the sequence moved past 3, and the ticket waits on the requester.
    expect(await ticketRow(ticketId)).toEqual({ last_sequence: 5, status: 'awaiting_customer' });

    // docs/adr/0030: a response before the breach, applied after its timer fired, is met; the breach stays published.
    const events = await slaEvents(ticketId);
    expect(events.map((e) => e.type)).toEqual(['sla.clock_started', 'sla.warning', 'sla.breached', 'sla.met']);
    expect(events[2]).toMatchObject({ breachedAt: at(12 * HOUR) });
    expect(events[3]).toMatchObject({ respondedAt: at(9 * HOUR + 56 * 60_000 + 51_000), elapsedMs: 9 * HOUR + 56 * 60_000 + 51_000 });
    const view = await sut.http().get(`/v1/tickets/${ticketId}/sla`).auth(admin(), { type: 'bearer' });
    expect(view.status).toBe(200);
    expect(view.body.clocks).toEqual([
      expect.objectContaining({
        status: 'met',
        open: false,
        stopReason: 'responded',
        respondedAt: at(9 * HOUR + 56 * 60_000 + 51_000),
        stoppedAt: at(9 * HOUR + 56 * 60_000 + 51_000),
        elapsedMs: 9 * HOUR + 56 * 60_000 + 51_000,
        dueAt: at(12 * HOUR),
      }),
    ]);
    expect(view.body.clocks[0]).not.toHaveProperty('breachedAt');
    // Stopped: its overdue notice (03:00 the next day) never goes out.
    await advanceTo(20 * HOUR);
    expect((await slaEvents(ticketId)).map((e) => e.type)).toEqual(['sla.clock_started', 'sla.warning', 'sla.breached', 'sla.met']);

    // A second run changes nothing.
    const outbox = await sut.query(`SELECT count(*)::int AS n FROM sla_timer.outbox`);
    expect(await command('replay', failed.id, '--pass-over')).toEqual({ exitCode: 1, output: `replay ${failed.id}: not_parked: dead letter ${failed.id} is already replayed\n` });
    expect(await sut.query(`SELECT count(*)::int AS n FROM sla_timer.outbox`)).toEqual(outbox);
    expect(await ticketRow(ticketId)).toEqual({ last_sequence: 5, status: 'awaiting_customer' });

    // The key is no longer parked: the requester's answer applies at once and owes a response again.
    await handled(await publish(TicketStatusChangedV1, ticketId, { partnerId, sequence: 6, from: 'awaiting_customer', to: 'open', changedAt: clock.now().toISOString() }));
    expect(await ticketRow(ticketId)).toEqual({ last_sequence: 6, status: 'open' });
  });

  it("the service's own entry point (main.ts dead-letters replay <id> --pass-over) prints what it passed over and logs it", async () => {
    const ticketId = randomUUID();
    await handled(await created(ticketId));
    const failed = await deadLetterOf(await responded(ticketId, 4), 'failed');
    const run = await operatorCommand(sut.databaseUrl, ['replay', failed.id, '--pass-over']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    // stdout: the log line (JSON, pino's) and the command's answer.
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as unknown)).toEqual([
      expect.objectContaining({ level: 40, deadLetter: failed.id, key: ticketId, passedOver: [`sequences 2 to 3 of ticket ${ticketId} (taken as events that move no clock)`] }),
    ]);
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([
      `dead letter ${failed.id} replayed, passing over sequences 2 to 3 of ticket ${ticketId} (taken as events that move no clock); 0 parked event(s) of its key released`,
    ]);
    expect(await ticketRow(ticketId)).toEqual({ last_sequence: 4, status: 'new' });
    expect((await slaEvents(ticketId)).map((e) => e.type)).toEqual(['sla.clock_started', 'sla.met']);
  });

  it('a ticket without a gap is refused (nothing to pass over), its dead letter left parked; replay applies it', async () => {
    const ticketId = randomUUID();
    await handled(await created(ticketId));
    // A fault of the moment (not an order): every attempt at sequence 2 fails, and it is dead-lettered.
    await sut.query(`CREATE FUNCTION sla_timer.refuse_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$`);
    await sut.query(`CREATE TRIGGER refuse_once BEFORE UPDATE ON sla_timer.tickets FOR EACH ROW WHEN (NEW.ticket_id = '${ticketId}' AND NEW.last_sequence = 2) EXECUTE FUNCTION sla_timer.refuse_once()`);
    const failed = await deadLetterOf(await responded(ticketId, 2), 'failed');
    expect(failed.reason).toMatch(/^handler failed 5 times: disk full/);
    await sut.query(`DROP TRIGGER refuse_once ON sla_timer.tickets; DROP FUNCTION sla_timer.refuse_once()`);

    expect(await command('replay', failed.id, '--pass-over')).toEqual({
      exitCode: 1,
      output: `replay ${failed.id}: nothing_to_pass_over: dead letter ${failed.id} applies without passing over anything; replay it without --pass-over\n`,
    });
    expect(await deadLetters(ticketId)).toEqual([['failed', 'parked']]);
    expect(await ticketRow(ticketId)).toEqual({ last_sequence: 1, status: 'new' });
    expect((await slaEvents(ticketId)).map((e) => e.type)).toEqual(['sla.clock_started']);

    expect(await command('replay', failed.id)).toEqual({ exitCode: 0, output: `dead letter ${failed.id} replayed; 0 parked event(s) of its key released\n` });
    expect((await slaEvents(ticketId)).map((e) => e.type)).toEqual(['sla.clock_started', 'sla.met']);
  });

  it('a ticket whose ticket.created never came cannot be passed over: nothing to count the clock from', async () => {
    const ticketId = randomUUID();
    const failed = await deadLetterOf(await responded(ticketId, 2), 'failed');
    expect(await command('replay', failed.id, '--pass-over')).toEqual({
      exitCode: 1,
      output: `replay ${failed.id}: still_failing: ticket ${ticketId}: event 2 waits for ticket.created, which cannot be passed over\n`,
    });
    expect(await deadLetters(ticketId)).toEqual([['failed', 'parked']]);
  });
});
