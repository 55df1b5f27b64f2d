import { Client } from 'pg';
import pino from 'pino';
import { waitFor } from '@tss/service-kit/testing';
import { LISTENER_APPLICATION_NAME, listen, type Listening } from '../src/shared-listener';
import { createTestDatabase, withDatabase, type TestDatabase } from '../src/testing';

const logger = pino({ level: 'silent' });

// docs/adr/0089: one LISTEN connection per database in a process, whatever the channels.
describe('the shared listening connection (docs/adr/0089)', () => {
  let db: TestDatabase;
  let admin: Client;
  const open: Listening[] = [];

  /** Backends of this database named as the shared listener. */
  const listenerBackends = async (): Promise<number[]> =>
    (
      await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 ORDER BY pid', [
        LISTENER_APPLICATION_NAME,
      ])
    ).rows.map((r) => r.pid);

  const counter = () => {
    const calls = { count: 0, senders: [] as (number | undefined)[] };
    return {
      calls,
      onNotify: (senderPid?: number) => {
        calls.count += 1;
        calls.senders.push(senderPid);
      },
    };
  };

  const subscribe = async (channel: string, onNotify: (senderPid?: number) => void): Promise<Listening> => {
    const listening = await listen({ url: db.url, channel, logger, onNotify });
    open.push(listening);
    return listening;
  };

  beforeAll(async () => {
    db = await createTestDatabase('shared_listener', { from: 'empty' });
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
    await waitFor('no listening backend left', async () => (await listenerBackends()).length === 0);
  });

  afterAll(async () => {
    await admin?.end();
    await db?.drop();
  });

  it('serves every channel and subscriber of a process on one backend, and hands each NOTIFY to its channel only', async () => {
    const a1 = counter();
    const a2 = counter();
    const b = counter();
    // Opened together, as a host's relay, timer worker and webhook sender start.
    await Promise.all([subscribe('tss_a', a1.onNotify), subscribe('tss_a', a2.onNotify), subscribe('tss_b', b.onNotify)]);
    expect(await listenerBackends()).toHaveLength(1);

    await admin.query(`SELECT pg_notify('tss_a', '')`);
    await waitFor('both tss_a subscribers told', () => a1.calls.count === 1 && a2.calls.count === 1);
    await admin.query(`SELECT pg_notify('tss_b', '')`);
    await waitFor('the tss_b subscriber told', () => b.calls.count === 1);
    // A NOTIFY on a channel nobody listens to reaches no one; the round trip after it shows it was read.
    await admin.query(`SELECT pg_notify('tss_c', '')`);
    await admin.query(`SELECT pg_notify('tss_b', '')`);
    await waitFor('the tss_b subscriber told again', () => b.calls.count === 2);
    expect([a1.calls.count, a2.calls.count]).toEqual([1, 1]);
    // Each is told which backend sent it (an outbox relay knows its own commits' echoes by it: docs/adr/0090).
    const [{ pid }] = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    expect([...a1.calls.senders, ...a2.calls.senders, ...b.calls.senders]).toEqual([pid, pid, pid, pid]);
  });

  it('a closed subscription hears nothing more; the connection closes with the last one', async () => {
    const a = counter();
    const b = counter();
    const [la, lb] = await Promise.all([subscribe('tss_a', a.onNotify), subscribe('tss_b', b.onNotify)]);
    await la.close();
    expect(la.usable).toBe(false);
    expect(lb.usable).toBe(true);
    await admin.query(`SELECT pg_notify('tss_a', '')`);
    await admin.query(`SELECT pg_notify('tss_b', '')`);
    await waitFor('the tss_b subscriber told', () => b.calls.count === 1);
    expect(a.calls.count).toBe(0);
    expect(await listenerBackends()).toHaveLength(1);

    await lb.close();
    await waitFor('no listening backend left', async () => (await listenerBackends()).length === 0);
    // A later subscriber opens a new connection.
    const again = counter();
    await subscribe('tss_a', again.onNotify);
    await admin.query(`SELECT pg_notify('tss_a', '')`);
    await waitFor('the new subscriber told', () => again.calls.count === 1);
  });

  it('a lost connection wakes every subscriber and marks them unusable; listening again opens a new one that hears commits', async () => {
    const a = counter();
    const b = counter();
    const [la, lb] = await Promise.all([subscribe('tss_a', a.onNotify), subscribe('tss_b', b.onNotify)]);
    const [pid] = await listenerBackends();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor('both subscribers woken by the loss', () => a.calls.count === 1 && b.calls.count === 1);
    // Without a sender: a loss, not a commit.
    expect([...a.calls.senders, ...b.calls.senders]).toEqual([undefined, undefined]);
    expect([la.usable, lb.usable]).toEqual([false, false]);

    const again = counter();
    await subscribe('tss_a', again.onNotify);
    const backends = await listenerBackends();
    expect(backends).toHaveLength(1);
    expect(backends).not.toContain(pid);
    await admin.query(`SELECT pg_notify('tss_a', '')`);
    await waitFor('the new subscriber told', () => again.calls.count === 1);
    // The old subscriptions are not revived by the new connection.
    expect(a.calls.count).toBe(1);
  });

  it('a database it cannot reach rejects the listen, and the next listen tries afresh', async () => {
    const missing = withDatabase(db.url, 'tss_no_such_database');
    await expect(listen({ url: missing, channel: 'tss_a', logger, onNotify: () => undefined })).rejects.toThrow(/tss_no_such_database/);
    await expect(listen({ url: missing, channel: 'tss_a', logger, onNotify: () => undefined })).rejects.toThrow(/tss_no_such_database/);
    const a = counter();
    await subscribe('tss_a', a.onNotify);
    await admin.query(`SELECT pg_notify('tss_a', '')`);
    await waitFor('the subscriber told', () => a.calls.count === 1);
  });

  it('a channel closed and listened to again at once keeps listening (UNLISTEN and LISTEN run in order)', async () => {
    const keep = counter();
    await subscribe('tss_b', keep.onNotify);
    const first = await listen({ url: db.url, channel: 'tss_a', logger, onNotify: () => undefined });
    const back = counter();
    const [, second] = await Promise.all([first.close(), subscribe('tss_a', back.onNotify)]);
    expect(second.usable).toBe(true);
    await admin.query(`SELECT pg_notify('tss_a', '')`);
    await waitFor('the returning subscriber told', () => back.calls.count === 1);
  });

  it('sends its statements one at a time: channels listened to together wait for each other, not on the driver’s deprecated queue', async () => {
    // Statements sent to the listening connection while another is still unanswered.
    let overlapping = 0;
    const inFlight = new Map<Client, number>();
    const query = Client.prototype.query;
    const sent = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      if (this === admin) return (query as (...a: unknown[]) => unknown).apply(this, args);
      const before = inFlight.get(this) ?? 0;
      if (before > 0) overlapping += 1;
      inFlight.set(this, before + 1);
      const answer = (query as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      void Promise.resolve(answer)
        .catch(() => undefined)
        .finally(() => inFlight.set(this, (inFlight.get(this) ?? 1) - 1));
      return answer;
    } as typeof Client.prototype.query);
    try {
      const told = [counter(), counter(), counter()];
      await Promise.all(told.map((t, i) => subscribe(`tss_q${i}`, t.onNotify)));
      await admin.query(`SELECT pg_notify('tss_q0', ''), pg_notify('tss_q1', ''), pg_notify('tss_q2', '')`);
      await waitFor('each channel told', () => told.every((t) => t.calls.count === 1));
      await Promise.all(open.splice(0).map((l) => l.close()));
      expect(sent.mock.calls.map(([sql]) => String(sql)).filter((sql) => sql.startsWith('LISTEN'))).toHaveLength(3);
      expect(overlapping).toBe(0);
    } finally {
      sent.mockRestore();
    }
  });
});
