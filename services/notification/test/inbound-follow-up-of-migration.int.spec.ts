import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { followUpReason } from '../src/domain/inbound-follow-up';
import { InboundFollowUpOf1765602100000 } from '../src/store/migrations/1765602100000-inbound-follow-up-of';
import { notificationWithoutWorkers } from './support/webhook-fixtures';

// P11 (docs/adr/0035, addendum of 2026-12-04, sixth session): mail recorded before the column keeps its follow-up's reference.
describe('migration 1765602100000 (the follow-up a mail went to, kept with it)', () => {
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock: new TestClock('2026-12-04T10:00:00.000Z') });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('P11: a mail recorded as going to a closed ticket\'s follow-up gets that reference from its reason; others get none', async () => {
    const migration = new InboundFollowUpOf1765602100000();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      const kept = async (reason: string) => {
        const id = randomUUID();
        await sut.query(
          `INSERT INTO notification.inbound_messages (id, message_id, outcome, reason, ticket_id, partner_id, sender, subject, text_body, received_at)
           VALUES ($1, $2, 'threaded', $3, $4, $5, 'ann@client.example', 'Re: crash', 'Still broken.', now())`,
          [id, `<${id}@client.example>`, reason, randomUUID(), randomUUID()],
        );
        return id;
      };
      const followUp = await kept(`In-Reply-To names ticket x; ${followUpReason('TSS-K7QM2-ZC4XD')}`);
      const threaded = await kept('In-Reply-To names ticket y');
      await migration.up(runner);
      const followUpOf = async (id: string) => (await sut.query<{ follow_up_of: string | null }>(`SELECT follow_up_of FROM notification.inbound_messages WHERE id = $1`, [id]))[0].follow_up_of;
      expect(await followUpOf(followUp)).toBe('TSS-K7QM2-ZC4XD');
      expect(await followUpOf(threaded)).toBeNull();
    } finally {
      await runner.release();
    }
  });
});
