import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ratingService } from '../src/index';
import { MaskKeptPrivateKeys1765606510000 } from '../src/store/migrations/1765606510000-mask-kept-private-keys';

const MARK = 'PRIVKEYMARK44R';
const REMOVED = '[access particulars removed]';
const RSA_KEY = ['-----BEGIN RSA PRIVATE KEY-----', `MIIEowIBAAKCAQEAtRT5${MARK}9x8y7z6`, '-----END RSA PRIVATE KEY-----'].join('\n');
/** "password: <key>" as the detection before 2026-12-05 (fifth session) masked it: "-----BEGIN" went as the value. */
const HALF_MASKED = `${REMOVED} EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk${MARK}3yByxZp\nAwEHoUQDQgAE==\n-----END EC PRIVATE KEY-----`;

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): rating masked comments and subjects
// with the detection of each release's day, which took no private key before the fifth session; and
// a key pasted after "password:" lost only its "-----BEGIN".
describe('upgrade: private keys rating kept in clear (migration 1765606510000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const token = randomBytes(32).toString('base64url');
  const ids = { ticket: randomUUID(), survey: randomUUID(), plainSurvey: randomUUID(), answer: 'b'.repeat(64), event: '' };
  let sut: ServiceUnderTest;

  const keptEvent = async (query: Query, data: Record<string, unknown>, publishedAt: Date | null) => {
    const id = randomUUID();
    const event = { id, type: 'rating.submitted', subject: ids.ticket, data: { partnerId, surveyId: ids.survey, score: 2, submittedAt: '2026-12-05T09:00:00.000Z', ...data } };
    const [{ position }] = (await query(
      `INSERT INTO rating.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, 'rating.submitted', 'tss.rating', $2, $3, now(), $4) RETURNING position::text AS position`,
      [id, ids.ticket, event, publishedAt],
    )) as { position: string }[];
    return position;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ratingService, {
      clock,
      database: {
        before: 1765606510000,
        // As the release before this one kept them: masked for passwords, keys left (or half-masked).
        write: async (query) => {
          const at = new Date('2026-12-05T09:00:00.000Z');
          await query(
            `INSERT INTO rating.tickets (ticket_id, partner_id, reference, subject, requester_email, language, level, product, received_at, resolved_at)
             VALUES ($1, $2, 'TSS-KEYSW-EEP01', $3, 'ann@client.example', 'en', 'standard', 'reader', '2026-12-01T09:00:00Z', '2026-12-04T09:00:00Z')`,
            [ids.ticket, partnerId, `Reader rejects our key ${RSA_KEY.replace(/\n/g, ' ')}`],
          );
          const survey = `INSERT INTO rating.surveys (id, ticket_id, partner_id, number, token_sha256, status, resolved_at, created_at, expires_at)
                          VALUES ($1, $2, $3, $4, $5, $6, '2026-12-04T09:00:00Z', '2026-12-04T09:00:00Z', '2026-12-18T09:00:00Z')`;
          await query(survey, [ids.survey, ids.ticket, partnerId, 1, createHash('sha256').update(token, 'utf8').digest(), 'rated']);
          await query(survey, [ids.plainSurvey, ids.ticket, partnerId, 2, randomBytes(32), 'rated']);
          const rating = `INSERT INTO rating.ratings (survey_id, ticket_id, partner_id, score, solved, comment, via, rated_by, submitted_at) VALUES ($1, $2, $3, 2, false, $4, 'link', 'link', $5)`;
          await query(rating, [ids.survey, ids.ticket, partnerId, `Still broken, admin ${HALF_MASKED}\nand the new one:\n${RSA_KEY}`, at]);
          await query(rating, [ids.plainSurvey, ids.ticket, partnerId, 'The forgot password page still fails.', at]);
          await query(
            `INSERT INTO rating.idempotency_keys (id, principal, method, path, key, fingerprint, state, claim_token, response_status, response_headers, response_body, created_at, completed_at, expires_at)
             VALUES ($1, $2, 'POST', $3, 'retry-1', $4, 'done', $5, 201, '{}'::jsonb, $6, $7, $7, '2026-12-06T09:00:00Z')`,
            [ids.answer, `partner:${partnerId}`, `/v1/tickets/${ids.ticket}/rating`, 'f'.repeat(64), randomUUID(), Buffer.from(JSON.stringify({ surveyId: ids.survey, comment: `Still broken:\n${RSA_KEY}` })), at],
          );
          ids.event = await keptEvent(query, { solved: false, comment: `Still broken, admin ${HALF_MASKED}\nand the new one:\n${RSA_KEY}` }, at);
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  /** Every row of rating's schema as text, and the kept answers' bytes read as text. */
  const tablesHolding = async (needle: string): Promise<string[]> => {
    const tables = await sut.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'rating' AND table_type = 'BASE TABLE'`);
    const holding: string[] = [];
    for (const { name } of tables) {
      const [{ n }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM rating."${name}" t WHERE strpos(row_to_json(t)::text, $1) > 0`, [needle]);
      if (n > 0) holding.push(name);
    }
    const [{ n }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM rating.idempotency_keys WHERE strpos(convert_from(response_body, 'UTF8'), $1) > 0`, [needle]);
    return n > 0 ? [...holding, 'idempotency_keys (answer)'] : holding;
  };

  it('P9: no table of rating holds any key, whole or half-masked', async () => {
    expect(await tablesHolding(MARK)).toEqual([]);
    expect(await tablesHolding('PRIVATE KEY')).toEqual([]);
  });

  it('P9: each key is removed where it was, and nothing else of the text changes', async () => {
    const link = await sut.http().get(`/v1/ratings/${token}`);
    expect(link.status).toBe(200);
    expect(link.body.subject).toBe(`Reader rejects our key ${REMOVED}`);
    const comments = await sut.query<{ survey_id: string; comment: string }>(`SELECT survey_id::text, comment FROM rating.ratings`);
    expect(Object.fromEntries(comments.map((r) => [r.survey_id, r.comment]))).toEqual({
      [ids.survey]: `Still broken, admin ${REMOVED}\nand the new one:\n${REMOVED}`,
      [ids.plainSurvey]: 'The forgot password page still fails.',
    });
    const [answer] = await sut.query<{ body: string; fingerprint: string | null }>(`SELECT convert_from(response_body, 'UTF8') AS body, fingerprint FROM rating.idempotency_keys WHERE id = $1`, [ids.answer]);
    expect({ answer: JSON.parse(answer.body) as unknown, fingerprint: answer.fingerprint }).toEqual({ answer: { surveyId: ids.survey, comment: `Still broken:\n${REMOVED}` }, fingerprint: null });
    const [event] = await sut.query<{ data: Record<string, unknown> }>(`SELECT event->'data' AS data FROM rating.outbox WHERE position = $1`, [ids.event]);
    expect(event.data).toEqual({ partnerId, surveyId: ids.survey, score: 2, submittedAt: '2026-12-05T09:00:00.000Z', solved: false, comment: `Still broken, admin ${REMOVED}\nand the new one:\n${REMOVED}` });
  });

  it('running the migration again changes nothing', async () => {
    const snapshot = async () => ({
      tickets: await sut.query(`SELECT ticket_id, subject FROM rating.tickets ORDER BY ticket_id`),
      ratings: await sut.query(`SELECT survey_id, comment FROM rating.ratings ORDER BY survey_id`),
      answers: await sut.query(`SELECT id, fingerprint, response_body FROM rating.idempotency_keys ORDER BY id`),
      outbox: await sut.query(`SELECT position, event FROM rating.outbox ORDER BY position`),
    });
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptPrivateKeys1765606510000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('an unpublished "not solved" rating carries its comment as written to intake’s vault in transit, a whole key only', async () => {
    const runner = sut.host.dataSource.createQueryRunner();
    // One transaction: the relay sees none of these rows (rolled back).
    await runner.startTransaction();
    try {
      const query: Query = (sql, params) => runner.query(sql, params) as Promise<unknown[]>;
      const whole = await keptEvent(query, { solved: false, comment: `Still broken:\n${RSA_KEY}` }, null);
      const remainder = await keptEvent(query, { solved: false, comment: `Still broken, admin ${HALF_MASKED}` }, null);
      const solved = await keptEvent(query, { solved: true, comment: `Fine:\n${RSA_KEY}` }, null);
      await new MaskKeptPrivateKeys1765606510000().up(runner);
      const data = async (position: string) => ((await runner.query(`SELECT event->'data' AS data FROM rating.outbox WHERE position = $1`, [position])) as { data: Record<string, unknown> }[])[0].data;
      expect(await data(whole)).toMatchObject({ comment: `Still broken:\n${REMOVED}`, inTransit: { comment: `Still broken:\n${RSA_KEY}` } });
      expect(await data(remainder)).toMatchObject({ comment: `Still broken, admin ${REMOVED}` });
      expect(await data(remainder)).not.toHaveProperty('inTransit');
      expect(await data(solved)).toMatchObject({ comment: `Fine:\n${REMOVED}` });
      expect(await data(solved)).not.toHaveProperty('inTransit');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
