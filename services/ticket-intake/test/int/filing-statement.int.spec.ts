import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { TicketCreatedV1 } from '@tss/contracts';
import { outboxDraft, UnitOfWork } from '@tss/messaging';
import { countedDataSource, countedStatements } from '@tss/persistence/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { historyStore } from '../../src/store/history.store';
import { ticketStore } from '../../src/store/ticket.store';
import { fileTicket, fileTicketIn, type NewTicket } from '../../src/use-cases/file-ticket';

// Issue #15: a filing is one statement on PostgreSQL: the ticket, its events (created, accepted) and
// its history entries, written together, or none of them when the reference number is taken.
describe('filing a ticket in one statement, on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-06T20:30:00.000Z');
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const file = (partnerId: string) =>
    sut.host.unitOfWork.run(async (tx) => {
      const counted = countedStatements(tx);
      const ticket = await fileTicketIn(
        counted.tx,
        { outbox: sut.host.outbox, clock },
        { partnerId, channel: 'api', actor: { kind: 'partner', id: 'client-1' }, request: { product: 'reader', productVersion: '4.2.1', description: 'Reader crashes on opening EPUB' } },
      );
      return { ticket, statements: counted.statements };
    });
  const outboxOf = (ticketId: string) =>
    sut.query<{ event_type: string; sequence: number }>(`SELECT event_type, (event->'data'->>'sequence')::int AS sequence FROM ticket_intake.outbox WHERE message_key = $1 ORDER BY position`, [ticketId]);
  const historyOf = (ticketId: string) =>
    sut.query<{ action: string; sequence: number; actor_id: string; detail: Record<string, unknown> }>(
      `SELECT action, sequence, actor_id, detail FROM ticket_intake.ticket_history WHERE ticket_id = $1 ORDER BY id`,
      [ticketId],
    );

  it('the ticket, its events and its history go in one statement, in order', async () => {
    const partnerId = randomUUID();
    const { ticket, statements } = await file(partnerId);
    expect(statements).toHaveLength(1);
    expect(await sut.query(`SELECT reference, sequence FROM ticket_intake.tickets WHERE id = $1`, [ticket.id])).toEqual([{ reference: ticket.reference, sequence: 2 }]);
    expect(await outboxOf(ticket.id)).toEqual([
      { event_type: 'ticket.created', sequence: 1 },
      { event_type: 'ticket.accepted', sequence: 2 },
    ]);
    const history = await historyOf(ticket.id);
    expect(history.map((h) => [h.action, h.sequence, h.actor_id])).toEqual([
      ['created', 1, 'client-1'],
      ['accepted', 2, 'client-1'],
    ]);
    expect(history[0].detail).toMatchObject({ channel: 'api', reference: ticket.reference });
  });

  describe('fileTicket: a filing that is one statement is sent without BEGIN and COMMIT', () => {
    const filed = async (given: Partial<Parameters<typeof fileTicket>[1]> & { request?: NewTicket['request'] }) => {
      const counted = countedDataSource(sut.host.dataSource);
      const partnerId = randomUUID();
      const result = await fileTicket(
        { unitOfWork: new UnitOfWork(counted.dataSource), outbox: sut.host.outbox, clock },
        {
          partnerId,
          channel: 'api',
          actor: { kind: 'partner', id: 'client-1' },
          request: { product: 'reader', productVersion: '4.2.1', description: 'Reader crashes on opening EPUB' },
          ...given,
        },
      );
      if (!result.ok) throw new Error(`not filed: ${JSON.stringify(result.error)}`);
      return { ticket: result.value.ticket, outside: counted.outside, transactions: counted.transactions };
    };

    it("a partner's filing without an Idempotency-Key: its one statement alone, the ticket, events and history all written", async () => {
      const { ticket, outside, transactions } = await filed({});
      expect(transactions).toEqual([]);
      expect(outside).toHaveLength(1);
      expect(outside[0]).toMatch(/^WITH filed AS/);
      expect(await outboxOf(ticket.id)).toEqual([
        { event_type: 'ticket.created', sequence: 1 },
        { event_type: 'ticket.accepted', sequence: 2 },
      ]);
      expect((await historyOf(ticket.id)).map((h) => h.action)).toEqual(['created', 'accepted']);
    });

    it('with an Idempotency-Key (its lock and look-up), or a hook that writes once the row exists: one transaction, as before', async () => {
      const keyed = await filed({ idempotencyKey: randomUUID() });
      expect(keyed.outside).toEqual([]);
      expect(keyed.transactions).toHaveLength(1);
      expect(keyed.transactions[0].some((sql) => sql.includes('pg_advisory_xact_lock'))).toBe(true);

      // A hook that writes once the row exists (the vault's, given particulars) needs the row's transaction.
      let transactionInHook: string | null | undefined;
      const after = async (tx: EntityManager) => {
        [{ id: transactionInHook }] = (await tx.query('SELECT txid_current_if_assigned()::text AS id')) as { id: string | null }[];
      };
      const hooked = await fileTicket(
        { unitOfWork: sut.host.unitOfWork, outbox: sut.host.outbox, clock, filingHooks: [{ beforeFiling: (request) => ({ request, after }) }] },
        { partnerId: randomUUID(), channel: 'api', actor: { kind: 'partner', id: 'client-1' }, request: { product: 'reader', productVersion: '4.2.1', description: 'Reader crashes' } },
      );
      expect(hooked.ok).toBe(true);
      // The insert before it had given the transaction an id: alone, the hook's statement would have none.
      expect(transactionInHook).toMatch(/^\d+$/);
    });
  });

  it('a taken reference number writes nothing: no ticket, no event, no history', async () => {
    const partnerId = randomUUID();
    const { ticket: first } = await file(partnerId);
    const clashing = { ...first, id: randomUUID() };
    const entry = { ticketId: clashing.id, partnerId, at: clock.now(), actor: { kind: 'partner' as const, id: 'client-1' }, action: 'created', sequence: 1 };
    const written = await sut.host.unitOfWork.run((tx) =>
      ticketStore.insertUnlessReferenceTaken(tx, clashing, {}, clock.now(), [
        (at, onlyIf) =>
          sut.host.outbox.addAllStatement(
            [
              outboxDraft(TicketCreatedV1, clashing.id, {
                partnerId,
                sequence: 1,
                reference: first.reference,
                channel: 'api',
                level: 'standard',
                subject: 'x',
                requester: {},
                missingDetails: [],
                receivedAt: clock.now().toISOString(),
              }),
            ],
            at,
            tx,
            onlyIf,
          ),
        (at, onlyIf) => historyStore.appendStatement([entry], at, onlyIf),
      ]),
    );
    expect(written).toBe(false);
    expect(await sut.query(`SELECT id FROM ticket_intake.tickets WHERE id = $1`, [clashing.id])).toEqual([]);
    expect(await outboxOf(clashing.id)).toEqual([]);
    expect(await historyOf(clashing.id)).toEqual([]);
    // The first ticket's own rows are untouched.
    expect(await outboxOf(first.id)).toHaveLength(2);
    expect(await historyOf(first.id)).toHaveLength(2);
  });
});
