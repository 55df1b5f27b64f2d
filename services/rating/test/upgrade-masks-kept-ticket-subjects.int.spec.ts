import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ratingService } from '../src/index';
import { MaskKeptTicketSubjects1765501310000 } from '../src/store/migrations/1765501310000-mask-kept-ticket-subjects';

const PASSWORD = 'Hunter2!x';
const REMOVED = '[access particulars removed]';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): rating's copy of a ticket's subject,
// taken from a `ticket.created` of a release that filed it as written, is masked on upgrade.
describe('upgrade: ticket subjects rating kept in clear (migration 1765501310000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const partnerId = randomUUID();
  const token = randomBytes(32).toString('base64url');
  const seeded = { leaky: '', ordinary: '' };
  let sut: ServiceUnderTest;

  const keptTicket = async (query: Query, subject: string) => {
    const ticketId = randomUUID();
    await query(
      `INSERT INTO rating.tickets (ticket_id, partner_id, reference, subject, requester_email, language, level, product, received_at, resolved_at)
       VALUES ($1, $2, $3, $4, 'ann@client.example', 'en', 'standard', 'reader', '2026-12-01T09:00:00Z', '2026-12-04T09:00:00Z')`,
      [ticketId, partnerId, `TSS-${ticketId.slice(0, 6).toUpperCase()}`, subject],
    );
    return ticketId;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ratingService, {
      clock,
      database: {
        before: 1765501310000,
        write: async (query) => {
          seeded.leaky = await keptTicket(query, `Reader rejects us, pwd: ${PASSWORD}`);
          seeded.ordinary = await keptTicket(query, 'The forgot password page shows error 500');
          await query(
            `INSERT INTO rating.surveys (id, ticket_id, partner_id, number, token_sha256, status, resolved_at, created_at, expires_at)
             VALUES ($1, $2, $3, 1, $4, 'open', '2026-12-04T09:00:00Z', '2026-12-04T09:00:00Z', '2026-12-18T09:00:00Z')`,
            [randomUUID(), seeded.leaky, partnerId, createHash('sha256').update(token, 'utf8').digest()],
          );
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('P9: the rating link shows the subject without the password; other subjects stay as written', async () => {
    const survey = await sut.http().get(`/v1/ratings/${token}`);
    expect(survey.status).toBe(200);
    expect(survey.body.subject).toBe(`Reader rejects us, ${REMOVED}`);

    const subjects = await sut.query<{ ticket_id: string; subject: string }>(`SELECT ticket_id::text, subject FROM rating.tickets`);
    expect(Object.fromEntries(subjects.map((t) => [t.ticket_id, t.subject]))).toEqual({
      [seeded.leaky]: `Reader rejects us, ${REMOVED}`,
      [seeded.ordinary]: 'The forgot password page shows error 500',
    });
  });

  it('running the migration again changes nothing', async () => {
    const before = await sut.query(`SELECT * FROM rating.tickets ORDER BY ticket_id`);
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptTicketSubjects1765501310000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await sut.query(`SELECT * FROM rating.tickets ORDER BY ticket_id`)).toEqual(before);
  });
});
