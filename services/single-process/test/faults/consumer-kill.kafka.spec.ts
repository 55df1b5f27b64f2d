import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { Client } from 'pg';
import { dataSchemaUri, TicketCreatedV1 } from '@tss/contracts';
import { KafkaTransport, type OutboundMessage } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { entryPointArgs } from '@tss/runtime/testing';

const REPO = path.resolve(__dirname, '../../../..');

/** `ticket.created` as intake publishes it, straight onto the topic. */
const ticketCreated = (ticketId: string, partnerId: string): OutboundMessage => ({
  topic: TicketCreatedV1.topic,
  key: ticketId,
  event: {
    specversion: '1.0' as const,
    id: randomUUID(),
    source: 'tss/ticket-intake',
    type: TicketCreatedV1.type,
    time: new Date(Date.UTC(2026, 11, 1, 12)).toISOString(),
    subject: ticketId,
    datacontenttype: 'application/json' as const,
    dataschema: dataSchemaUri(TicketCreatedV1.type, TicketCreatedV1.version),
    data: {
      partnerId,
      sequence: 1,
      reference: 'TSS-01234-56789',
      channel: 'api',
      product: 'reader',
      productVersion: '4.2.1',
      level: 'standard',
      subject: 'kill -9',
      requester: { email: 'requester@example.com' },
      missingDetails: [],
      receivedAt: new Date(Date.UTC(2026, 11, 1, 12)).toISOString(),
    },
  },
});

// Issue #8: a consumer service killed with SIGKILL leaves its group without saying so; the one that
// replaces it must listen at once (it used to wait ~25 s for the group join before listening) and
// then consume what was published meanwhile, once.
describe('fault: a consumer service is killed (SIGKILL) and started again, services mode over Kafka', () => {
  const prefix = `kill${randomBytes(3).toString('hex')}.`;
  const partnerId = randomUUID();
  let db: TestDatabase;
  let sql: Client;
  let publisher: KafkaTransport;
  const children: ChildProcess[] = [];
  const output: string[] = [];

  const startSlaTimer = async (port: number): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', ...entryPointArgs(path.join(REPO, 'services/sla-timer/src/main.ts'))], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: db.url,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
        KAFKA_NAME_PREFIX: prefix,
        PORT: String(port),
        METRICS_PORT: '0',
        TSS_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
        // info: the test reads the line that says the consumers have joined (after listening).
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    children.push(child);
    return child;
  };
  const healthy = (port: number, child: ChildProcess) =>
    waitFor(
      'sla-timer to answer /healthz',
      async () => {
        if (child.exitCode !== null) throw new Error(`sla-timer exited with ${child.exitCode}:\n${output.join('')}`);
        return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
  const clocksOf = async (ticketId: string): Promise<number> =>
    (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM sla_timer.response_clocks WHERE ticket_id = $1', [ticketId])).rows[0].n;

  beforeAll(async () => {
    db = await createTestDatabase('consumer_kill');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    publisher = new KafkaTransport({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: 'kill-test', logger: pino({ level: 'silent' }), topicPrefix: prefix });
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await publisher?.close();
    await sql?.end();
    await db?.drop();
  }, 60_000);

  it('the new process listens before its group has settled, then consumes what came meanwhile exactly once', async () => {
    const port = await freePort();
    const first = await startSlaTimer(port);
    await healthy(port, first);
    const before = randomUUID();
    await publisher.publish([ticketCreated(before, partnerId)]);
    await waitFor('the first process to consume', async () => (await clocksOf(before)) === 1, { timeoutMs: 60_000 });

    const killed = once(first, 'exit');
    first.kill('SIGKILL');
    await killed;
    const meanwhile = randomUUID();
    await publisher.publish([ticketCreated(meanwhile, partnerId)]);

    const startedAt = performance.now();
    const outputBefore = output.length;
    const second = await startSlaTimer(port);
    await healthy(port, second);
    const listenMs = performance.now() - startedAt;
    // What the new process had said when it first answered /healthz.
    const saidWhenListening = output.slice(outputBefore).join('');
    await waitFor('the new process to consume what was published meanwhile', async () => (await clocksOf(meanwhile)) === 1, { timeoutMs: 90_000 });
    const consumedMs = performance.now() - startedAt;
    process.stdout.write(`consumer kill -9: listening after ${Math.round(listenMs)} ms, consuming after ${Math.round(consumedMs)} ms\n`);

    // It listened before its consumers had joined the group (it used to wait for the join, which
    // waits out the dead member's 10 s session): at its first /healthz answer it had not yet said
    // that it consumes. Checked by order, not by a time, so a loaded machine's slow start cannot fail it.
    expect(saidWhenListening).not.toContain('consuming and publishing events');
    await waitFor('the new process to say it consumes', () => output.slice(outputBefore).join('').includes('consuming and publishing events'), { timeoutMs: 90_000 });
    expect(await clocksOf(before)).toBe(1);
    expect(await clocksOf(meanwhile)).toBe(1);
  }, 180_000);
});
