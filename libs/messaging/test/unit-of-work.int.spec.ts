import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { TicketCreatedV1 } from '@tss/contracts';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { systemClock } from '@tss/service-kit';
import { messagingMigrations } from '../src/outbox/messaging-migrations';
import { Outbox, outboxDraft } from '../src/outbox/outbox';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { sampleTicketCreated } from '../src/testing';

/** The unit of work no longer names its isolation level (one statement less, issue #8): it must still be READ COMMITTED. */
describe('UnitOfWork', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('unit_of_work');
    dataSource = createServiceDataSource({ url: db.url, schema: 'uow', migrations: messagingMigrations('uow') });
    await initializeAndMigrate(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('runs its work in one READ COMMITTED transaction', async () => {
    const seen = await new UnitOfWork(dataSource).run(async (tx) => {
      const [isolation] = (await tx.query('SHOW transaction_isolation')) as { transaction_isolation: string }[];
      const [first] = (await tx.query('SELECT txid_current() AS id')) as { id: string }[];
      const [second] = (await tx.query('SELECT txid_current() AS id')) as { id: string }[];
      return { isolation: isolation.transaction_isolation, sameTransaction: first.id === second.id };
    });
    expect(seen).toEqual({ isolation: 'read committed', sameTransaction: true });
  });

  it('runs a deadlock victim again, so both of two crossing transactions commit', async () => {
    await dataSource.query('CREATE TABLE uow.pair (id int PRIMARY KEY, v int NOT NULL)');
    await dataSource.query('INSERT INTO uow.pair VALUES (1, 0), (2, 0)');
    const uow = new UnitOfWork(dataSource);
    // Each takes one row, waits until the other holds its row, then takes the other's: a deadlock.
    let held = 0;
    let bothHeld: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => (bothHeld = resolve));
    const runs = { a: 0, b: 0 };
    const crossing = (name: 'a' | 'b', first: number, second: number) =>
      uow.run(async (tx) => {
        runs[name] += 1;
        await tx.query('UPDATE uow.pair SET v = v + 1 WHERE id = $1', [first]);
        if (runs[name] === 1) {
          held += 1;
          if (held === 2) bothHeld();
          await barrier;
        }
        await tx.query('UPDATE uow.pair SET v = v + 1 WHERE id = $1', [second]);
      });
    await Promise.all([crossing('a', 1, 2), crossing('b', 2, 1)]);
    // One of them was the victim and ran twice; each committed exactly once.
    expect(runs.a + runs.b).toBe(3);
    expect(await dataSource.query('SELECT id, v FROM uow.pair ORDER BY id')).toEqual([
      { id: 1, v: 2 },
      { id: 2, v: 2 },
    ]);
  });

  it('wakes its relay after a commit that wrote events, and only then', async () => {
    const relay = { kick: jest.fn() };
    const uow = new UnitOfWork(dataSource, relay);
    const outbox = new Outbox({ service: 'ticket-intake', schema: 'uow', clock: systemClock });

    // A consumer's usual commit: its effect and inbox rows, no event (each would cost the relay an empty drain).
    await uow.run((tx) => tx.query('SELECT 1'));
    expect(relay.kick).not.toHaveBeenCalled();

    await uow.run((tx) => outbox.add(tx, TicketCreatedV1, randomUUID(), sampleTicketCreated(1)));
    expect(relay.kick).toHaveBeenCalledTimes(1);

    // An event folded into the caller's own statement (`addAllStatement`, given the transaction).
    await uow.run(async (tx) => {
      const { sql, params } = outbox.addAllStatement([outboxDraft(TicketCreatedV1, randomUUID(), sampleTicketCreated(1))], 1, tx);
      await tx.query(sql, params);
    });
    expect(relay.kick).toHaveBeenCalledTimes(2);

    // Rolled back: nothing to publish, no kick.
    await expect(
      uow.run(async (tx) => {
        await outbox.add(tx, TicketCreatedV1, randomUUID(), sampleTicketCreated(1));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(relay.kick).toHaveBeenCalledTimes(2);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM uow.outbox')).toEqual([{ n: 2 }]);
  });

  describe('runAutocommit: work of statements that each stand alone', () => {
    it('sends no BEGIN: each statement is its own transaction, and one that fails undoes none before it', async () => {
      await dataSource.query('CREATE TABLE uow.alone (id int PRIMARY KEY)');
      const seen = await new UnitOfWork(dataSource).runAutocommit(async (manager) => {
        const [first] = (await manager.query('SELECT txid_current() AS id')) as { id: string }[];
        const [second] = (await manager.query('SELECT txid_current() AS id')) as { id: string }[];
        return first.id === second.id;
      });
      expect(seen).toBe(false);

      await expect(
        new UnitOfWork(dataSource).runAutocommit(async (manager) => {
          await manager.query('INSERT INTO uow.alone VALUES (1)');
          await manager.query('INSERT INTO uow.alone VALUES (1)');
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await dataSource.query('SELECT id FROM uow.alone')).toEqual([{ id: 1 }]);
    });

    it('wakes its relay after a statement that wrote events, and only then', async () => {
      const relay = { kick: jest.fn() };
      const uow = new UnitOfWork(dataSource, relay);
      const outbox = new Outbox({ service: 'ticket-intake', schema: 'uow', clock: systemClock });
      await uow.runAutocommit((manager) => manager.query('SELECT 1'));
      expect(relay.kick).not.toHaveBeenCalled();

      const subject = randomUUID();
      await uow.runAutocommit(async (manager) => {
        const { sql, params } = outbox.addAllStatement([outboxDraft(TicketCreatedV1, subject, sampleTicketCreated(1))], 1, manager);
        await manager.query(sql, params);
      });
      expect(relay.kick).toHaveBeenCalledTimes(1);
      expect(await dataSource.query('SELECT count(*)::int AS n FROM uow.outbox WHERE message_key = $1', [subject])).toEqual([{ n: 1 }]);
    });

    it('gives its connection back, whether the work succeeded or failed', async () => {
      const uow = new UnitOfWork(dataSource);
      // More runs than the pool has connections (10): one kept would leave the last waiting for ever.
      for (let i = 0; i < 12; i += 1) {
        await uow.runAutocommit((manager) => manager.query('SELECT 1'));
        await expect(uow.runAutocommit((manager) => manager.query('SELECT 1 / 0'))).rejects.toThrow(/division by zero/);
      }
      expect(await uow.runAutocommit((manager) => manager.query('SELECT 2 AS n'))).toEqual([{ n: 2 }]);
    });
  });

  it('does not run other failures again', async () => {
    let runs = 0;
    await expect(
      new UnitOfWork(dataSource).run(async (tx) => {
        runs += 1;
        await tx.query('SELECT 1 / 0');
      }),
    ).rejects.toThrow(/division by zero/);
    expect(runs).toBe(1);
  });
});
