import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { MaskKeptMail1765300490000 } from '../src/store/migrations/1765300490000-mask-kept-mail';
import { notificationWithoutWorkers } from './support/webhook-fixtures';

const PASSWORD = 'OldMail#8842';

// P9 (docs/adr/0070): mail kept before notification masked every mail is masked by a migration.
describe('migration 1765300490000 (mail kept in clear before ADR 0070)', () => {
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock: new TestClock('2026-12-01T10:00:00.000Z') });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const keptMail = async (text: string, subject = 'access') => {
    const id = randomUUID();
    await sut.query(
      `INSERT INTO notification.inbound_messages (id, message_id, outcome, ticket_id, partner_id, sender, subject, text_body, received_at)
       VALUES ($1, $2, 'threaded', $3, $4, 'ann@client.example', $5, $6, now())`,
      [id, `<${id}@client.example>`, randomUUID(), randomUUID(), subject, text],
    );
    return id;
  };
  const keptEvent = async (text: string, published: boolean) => {
    const eventId = randomUUID();
    const event = { id: eventId, type: 'notification.email_received', data: { messageId: `<${eventId}@client.example>`, from: 'ann@client.example', subject: 'access', text } };
    const [{ position }] = await sut.query<{ position: string }>(
      `INSERT INTO notification.outbox (event_id, event_type, topic, message_key, event, created_at, published_at)
       VALUES ($1, 'notification.email_received', 'tss.notification', $2, $3, now(), $4) RETURNING position`,
      [eventId, randomUUID(), event, published ? new Date() : null],
    );
    return position;
  };

  it('masks the particulars of kept mail and of published events; ordinary text stays as written', async () => {
    const withPassword = await keptMail(`Here is access. login: ann2 password: ${PASSWORD} thanks`, `password: ${PASSWORD}`);
    const ordinary = await keptMail('The forgot password page shows error 500.');
    const published = await keptEvent(`login: ann2 password: ${PASSWORD}`, true);

    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptMail1765300490000().up(runner);
    } finally {
      await runner.release();
    }

    const mail = async (id: string) => (await sut.query<{ subject: string; text_body: string }>(`SELECT subject, text_body FROM notification.inbound_messages WHERE id = $1`, [id]))[0];
    expect(await mail(withPassword)).toEqual({ subject: '[access particulars removed]', text_body: 'Here is access. [access particulars removed] thanks' });
    expect((await mail(ordinary)).text_body).toBe('The forgot password page shows error 500.');
    const event = async (position: string) => (await sut.query<{ text: string }>(`SELECT event->'data'->>'text' AS text FROM notification.outbox WHERE position = $1`, [position]))[0].text;
    expect(await event(published)).not.toContain(PASSWORD);
  });
});
