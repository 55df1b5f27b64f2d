import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@tss/contracts';
import { handleInTransaction } from '@tss/messaging/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import pino from 'pino';
import { queueWebhooks } from '../src/events/webhook-event.handlers';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { createEndpoint } from '../src/use-cases/webhook-endpoints';
import { countedStatements } from '@tss/persistence/testing';
import { notificationWithoutWorkers, testSecrets } from './support/webhook-fixtures';

const logger = pino({ level: 'silent' });
const secrets = testSecrets();


// Issue #11: every ticket.* and sla.* event is recorded for replay and matched against the
// endpoints. A consumer batch (one transaction) records all its events and reads all their
// partners' endpoints in one statement, and queues all its deliveries in a second, instead of one
// insert per event and one read per partner (docs/adr/0047) and one queueing per event (0049).
describe('webhook events recorded and matched per transaction (issue #11)', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  let sut: ServiceUnderTest;
  let timers: TimerStore;

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const endpoint = async (owner: { kind: 'partner'; partnerId: string } | { kind: 'staff'; staffId: string }, eventTypes: string[], partnerId?: string) => {
    const created = await sut.host.unitOfWork.run((tx) =>
      createEndpoint(tx, owner, { url: 'http://127.0.0.1:9/hook', eventTypes, ...(partnerId ? { partnerId } : {}) }, async () => undefined, secrets, clock.now()),
    );
    if (!created.ok) throw new Error(created.error.detail);
    return created.value.id;
  };

  const event = (type: string, partnerId: string, ticketId = randomUUID(), sequence = 1): CloudEvent<unknown> => ({
    specversion: '1.0',
    id: randomUUID(),
    source: 'tss/ticket-intake',
    type,
    time: clock.now().toISOString(),
    subject: ticketId,
    datacontenttype: 'application/json',
    dataschema: `urn:tss:event:${type}:v1`,
    data: { partnerId, sequence },
  });

  const handleAll = (events: readonly CloudEvent<unknown>[]) =>
    sut.host.unitOfWork.run(async (tx) => {
      const counted = countedStatements(tx);
      const handle = queueWebhooks(timers);
      // As a consumer batch: every handler in one transaction, their deferred writes flushed after the last.
      await handleInTransaction({ tx: counted.tx, outbox: sut.host.outbox, now: clock.now(), logger }, events.map((e) => [handle, e] as const));
      return counted;
    });

  const deliveriesOf = async (messageIds: readonly string[]) =>
    (await sut.query(`SELECT endpoint_id, message_id FROM notification.webhook_deliveries WHERE message_id = ANY($1::text[]) ORDER BY created_at, message_id`, [messageIds])).map(
      (r) => `${String(r.endpoint_id)}:${String(r.message_id)}`,
    );

  it('a batch of one partner’s events: one statement records them all and reads the endpoints, one queues the deliveries', async () => {
    const partnerId = randomUUID();
    const other = randomUUID();
    const mine = await endpoint({ kind: 'partner', partnerId }, ['ticket.*']);
    const others = await endpoint({ kind: 'partner', partnerId: other }, ['*']);
    const ticketId = randomUUID();
    const events = [event('ticket.created', partnerId, ticketId, 1), event('sla.clock_started', partnerId, ticketId, 2), event('ticket.accepted', partnerId, ticketId, 3)];
    const counted = await handleAll(events);
    expect(counted.count('notification.webhook_events')).toBe(1);
    expect(counted.count('webhook_endpoints')).toBe(1);
    // And one statement for every delivery of the batch: queued ready, their watchdogs armed, the senders told at commit (issue #15).
    expect(counted.statements).toHaveLength(2);
    expect(counted.count('pg_notify')).toBe(1);
    // One ticket's to one endpoint: the first ready, the next held behind it (docs/adr/0066).
    expect(
      await sut.query(`SELECT message_id, status FROM notification.webhook_deliveries WHERE message_id = ANY($1::text[]) ORDER BY queue_seq`, [events.map((e) => e.id)]),
    ).toEqual([
      { message_id: events[0].id, status: 'ready' },
      { message_id: events[2].id, status: 'held' },
    ]);
    // Every event is recorded for replay, matched or not; only ticket.* reached the partner's endpoint, none the other partner's.
    expect(await sut.query(`SELECT count(*)::int AS n FROM notification.webhook_events WHERE id = ANY($1::text[])`, [events.map((e) => e.id)])).toEqual([{ n: 3 }]);
    expect((await deliveriesOf(events.map((e) => e.id))).sort()).toEqual([`${mine}:${events[0].id}`, `${mine}:${events[2].id}`].sort());
    expect((await deliveriesOf(events.map((e) => e.id))).some((d) => d.startsWith(others))).toBe(false);
  });

  it('docs/adr/0066 (addendum of 2026-12-05): an sla event naming a ticket event earlier in its batch costs no statement; one naming a recorded event, one probe', async () => {
    const partnerId = randomUUID();
    await endpoint({ kind: 'partner', partnerId }, ['*']);
    const ticketId = randomUUID();
    const started = { ...event('sla.clock_started', partnerId, ticketId), data: { partnerId, ticketSequence: 1 } };
    const sameBatch = await handleAll([event('ticket.created', partnerId, ticketId, 1), started]);
    expect(sameBatch.statements).toHaveLength(2);
    const met = { ...event('sla.met', partnerId, ticketId), data: { partnerId, ticketSequence: 1 } };
    const later = await handleAll([met]);
    expect(later.count('notification.webhook_events')).toBe(2); // the probe, then the record
    expect(later.statements).toHaveLength(3);
  });

  // Before any staff endpoint exists in this suite's database (a staff endpoint may receive every partner's events).
  it('issue #15: the sla events of a partner no endpoint may receive, each naming a ticket event of another batch: one probe for the batch, not one per event', async () => {
    const partnerId = randomUUID();
    const events = Array.from({ length: 5 }, () => ({ ...event('sla.clock_started', partnerId), data: { partnerId, ticketSequence: 1 } }));
    const counted = await handleAll(events);
    expect(counted.count('notification.webhook_events')).toBe(2); // the first event's probe, then the record
    expect(counted.statements).toHaveLength(2);
    // Recorded for replay all the same.
    expect(await sut.query(`SELECT count(*)::int AS n FROM notification.webhook_events WHERE id = ANY($1::text[])`, [events.map((e) => e.id)])).toEqual([{ n: 5 }]);
    // The partner's first endpoint: the next batch probes each event again, and holds the one whose ticket event is not recorded.
    await endpoint({ kind: 'partner', partnerId }, ['*']);
    const waiting = { ...event('sla.clock_started', partnerId), data: { partnerId, ticketSequence: 1 } };
    await expect(handleAll([waiting])).rejects.toThrow(/waits for ticket event 1/);
  });

  // Before any staff endpoint exists in this suite's database (the next test makes one).
  it('docs/adr/0066 (third session): an escalation event waits for its cause only if a staff endpoint may receive it; with none, it is queued at once', async () => {
    const partnerId = randomUUID();
    await endpoint({ kind: 'partner', partnerId }, ['*']);
    const ticketId = randomUUID();
    const raised = { ...event('escalation.raised', partnerId, ticketId), data: { partnerId, escalationId: randomUUID(), causeEventId: randomUUID(), causeType: 'sla.breached', ticketSequence: 1 } };
    await expect(handleAll([raised])).resolves.toBeDefined();
    expect(await sut.query(`SELECT count(*)::int AS n FROM notification.webhook_events WHERE id = $1`, [raised.id])).toEqual([{ n: 1 }]);
  });

  it('the endpoints of every partner of a batch are read in one statement; a staff endpoint hears every partner', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const ofA = await endpoint({ kind: 'partner', partnerId: a }, ['*']);
    const ofB = await endpoint({ kind: 'partner', partnerId: b }, ['*']);
    const staff = await endpoint({ kind: 'staff', staffId: 'admin-1' }, ['sla.breached']);
    const events = [event('ticket.created', a), event('ticket.created', b), event('sla.breached', a), event('sla.breached', b)];
    const counted = await handleAll(events);
    expect(counted.count('webhook_endpoints')).toBe(1);
    expect(counted.statements).toHaveLength(2);
    const deliveries = await deliveriesOf(events.map((e) => e.id));
    expect(deliveries.sort()).toEqual(
      [`${ofA}:${events[0].id}`, `${ofB}:${events[1].id}`, `${ofA}:${events[2].id}`, `${staff}:${events[2].id}`, `${ofB}:${events[3].id}`, `${staff}:${events[3].id}`].sort(),
    );
  });

  it('docs/adr/0066 (third session): an escalation event naming a cause earlier in its batch costs no statement; one naming a recorded cause, one probe', async () => {
    const partnerId = randomUUID();
    await endpoint({ kind: 'staff', staffId: 'admin-2' }, ['escalation.*']);
    const ticketId = randomUUID();
    const breached = { ...event('sla.breached', partnerId, ticketId), data: { partnerId, ticketSequence: 1 } };
    const escalation = (type: string) => ({
      ...event(type, partnerId, ticketId),
      data: { partnerId, escalationId: randomUUID(), causeEventId: breached.id, causeType: breached.type, ticketSequence: 1 },
    });
    const sameBatch = await handleAll([breached, escalation('escalation.raised')]);
    expect(sameBatch.statements).toHaveLength(2);
    const later = await handleAll([escalation('escalation.resolved')]);
    expect(later.count('notification.webhook_events')).toBe(2); // the probe, then the record
    expect(later.statements).toHaveLength(3);
  });

  it('an event recorded before queues nothing again, alone or beside new events; an event twice in a batch is queued once', async () => {
    const partnerId = randomUUID();
    const id = await endpoint({ kind: 'partner', partnerId }, ['*']);
    const [first, second] = [event('ticket.created', partnerId), event('ticket.resolved', partnerId)];
    await handleAll([first, second]);
    await handleAll([first]);
    const third = event('ticket.closed', partnerId);
    await handleAll([third, second, third]);
    expect((await deliveriesOf([first.id, second.id, third.id])).sort()).toEqual([`${id}:${first.id}`, `${id}:${second.id}`, `${id}:${third.id}`].sort());
  });

  it('a partner with no endpoint: its events are still recorded for a later replay', async () => {
    const partnerId = randomUUID();
    const events = [event('ticket.created', partnerId), event('ticket.accepted', partnerId)];
    const counted = await handleAll(events);
    expect(counted.statements).toHaveLength(1);
    expect(await sut.query(`SELECT count(*)::int AS n FROM notification.webhook_events WHERE partner_id = $1`, [partnerId])).toEqual([{ n: 2 }]);
    expect(await deliveriesOf(events.map((e) => e.id))).toEqual([]);
  });
});
