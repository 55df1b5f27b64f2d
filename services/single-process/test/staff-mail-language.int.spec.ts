import { randomUUID } from 'node:crypto';
import { EscalationRaisedV1 } from '@tss/contracts';
import { sampleTicket } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// A Russian-speaking team leader (outside tester) read every staff mail in English. The language
// an admin sets in the gateway reaches notification through staff.* and picks the notice's words
// (docs/adr/0042, addendum of 2026-12-05, fourth session), on the whole platform.
describe("staff mail in the staff member's language, gateway to notification", () => {
  let platform: TestPlatform;
  // Monday 2 March 2026, 09:00 UTC.
  const clock = new TestClock('2026-03-02T09:00:00.000Z');

  beforeAll(async () => {
    platform = await startTestPlatform('staff_mail_language', { clock });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const directoryLanguage = (staffId: string, language: string) =>
    waitFor(`notification has ${staffId} in ${language}`, async () => {
      const rows = await platform.query<{ language: string }>('notification', 'SELECT language FROM notification.staff_directory WHERE staff_id = $1', [staffId]);
      return rows[0]?.language === language;
    });

  it('a team leader created in English and switched to Russian gets the escalation notice in Russian; an English colleague in English', async () => {
    const admin = await platform.adminToken();
    const create = (body: Record<string, unknown>) => platform.client.http().post('/v1/clients').auth(admin, { type: 'bearer' }).send({ roles: ['team_lead'], ...body });
    const lena = await create({ displayName: 'Лена Лидова', email: 'lena.lidova@support.example' });
    const tom = await create({ displayName: 'Tom Lead', email: 'tom.lead@support.example' });
    expect([lena.status, tom.status]).toEqual([201, 201]);
    const switched = await platform.client.http().patch(`/v1/staff/${lena.body.clientId}`).auth(admin, { type: 'bearer' }).send({ language: 'ru' });
    expect(switched.body).toMatchObject({ staffId: lena.body.clientId, language: 'ru' });
    await directoryLanguage(lena.body.clientId, 'ru');
    await directoryLanguage(tom.body.clientId, 'en');

    const ticketId = randomUUID();
    const escalation = platform.running.platform.host('escalation');
    await escalation.unitOfWork.run((tx) =>
      escalation.outbox.add(tx, EscalationRaisedV1, ticketId, {
        partnerId: randomUUID(),
        escalationId: randomUUID(),
        kind: 'sla_breach',
        level: 1,
        targetRole: 'team_leader',
        targetStaffIds: [lena.body.clientId, tom.body.clientId],
        raisedAt: platform.clock.now().toISOString(),
      }),
    );
    const notices = await waitFor('both notices queued', async () => {
      const rows = await platform.query<{ recipient: string; language: string; subject: string; html_body: string }>(
        'notification',
        `SELECT recipient, language, subject, html_body FROM notification.mail_messages WHERE kind = 'escalation_notice' AND ticket_id = $1 ORDER BY recipient`,
        [ticketId],
      );
      return rows.length === 2 ? rows : undefined;
    });
    expect(notices.map(({ recipient, language, subject }) => ({ recipient, language, subject }))).toEqual([
      { recipient: 'lena.lidova@support.example', language: 'ru', subject: `[${ticketId}] Эскалация: срок ответа пропущен` },
      { recipient: 'tom.lead@support.example', language: 'en', subject: `[${ticketId}] Escalation: The response deadline was missed` },
    ]);
    expect(notices[0].html_body).toContain('<html lang="ru">');
  });

  // An outside tester (a support agent's day): a developer whose mail language is Russian got the
  // referral notice «Эскалация: передано в отдел разработки» with "Referred to development: EPUB parser
  // crash, needs a fix" in English in its body, the escalation service's summary shown as written.
  // Every line of ours is in the reader's language now; what staff wrote stays as written
  // (docs/adr/0042, addendum of 2026-12-05, fifth session). The other notices a day brings, through
  // the whole platform: quality, the team leader asked for, its reminder, an SLA warning and breach.
  it('referrals, the team leader asked for, a reminder, an SLA warning and breach: every notice to a Russian reader is Russian but for what people wrote', async () => {
    const MINUTE = 60_000;
    const admin = await platform.adminToken();
    const member = async (roles: string[], displayName: string, email: string, language?: 'ru') => {
      const created = await platform.client.http().post('/v1/clients').auth(admin, { type: 'bearer' }).send({ roles, displayName, email, ...(language ? { language } : {}) });
      expect(created.status).toBe(201);
      return created.body as { clientId: string; clientSecret: string };
    };
    const developer = await member(['developer'], 'Дмитрий Разработчик', 'dmitry.dev@support.example', 'ru');
    const reviewer = await member(['quality'], 'Ксения Качество', 'ksenia.qa@support.example', 'ru');
    const lead = await member(['team_lead'], 'Ирина Лидер', 'irina.lead@support.example', 'ru');
    const agent = await member(['agent'], 'Alex Agent', 'alex.agent@support.example');
    const staffIds = [developer, reviewer, lead, agent].map((m) => m.clientId);
    await waitFor('the staff projected into escalation and notification, in their languages', async () => {
      const known = await platform.query<{ n: number }>('escalation', 'SELECT count(*)::int AS n FROM escalation.staff WHERE staff_id = ANY($1::text[])', [staffIds]);
      const russian = await platform.query<{ n: number }>('notification', `SELECT count(*)::int AS n FROM notification.staff_directory WHERE staff_id = ANY($1::text[]) AND language = 'ru'`, [staffIds]);
      return known[0].n === 4 && russian[0].n === 3;
    });
    const roster = await platform.client
      .http()
      .put('/v1/escalation/roster')
      .auth(admin, { type: 'bearer' })
      .send({ shifts: [{ staffId: lead.clientId, role: 'team_leader', timeZone: 'UTC', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' }], overrides: [] });
    expect(roster.status).toBe(200);

    const partner = await platform.client.partner(admin, 'Day Partner');
    const file = async () => {
      const filed = await platform.client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket({ level: 'standard', subject: 'EPUB parser crash' }));
      expect(filed.status).toBe(201);
      const ticket = filed.body as { id: string; reference: string };
      await waitFor('escalation knows the ticket', async () => (await platform.query('escalation', 'SELECT 1 FROM escalation.referral_tickets WHERE ticket_id = $1', [ticket.id])).length === 1);
      return ticket;
    };
    const agentToken = () => platform.client.token(agent.clientId, agent.clientSecret);
    const refer = async (ticketId: string, target: string, reason: string) => {
      const created = await platform.client.http().post(`/v1/tickets/${ticketId}/referrals`).auth(await agentToken(), { type: 'bearer' }).send({ target, reason });
      expect(created.status).toBe(202);
    };
    type Notice = { recipient: string; ticket_id: string; language: string; subject: string; text_body: string; html_body: string };
    const noticesTo = (address: string, count: number, ticketId?: string) =>
      waitFor(`${count} notices to ${address}`, async () => {
        const rows = await platform.query<Notice>(
          'notification',
          `SELECT recipient, ticket_id, language, subject, text_body, html_body FROM notification.mail_messages
            WHERE kind = 'escalation_notice' AND recipient = $1 AND ($2::uuid IS NULL OR ticket_id = $2) ORDER BY created_at, subject`,
          [address, ticketId ?? null],
        );
        return rows.length >= count ? rows : undefined;
      });

    const referred = await file();
    await refer(referred.id, 'development', 'EPUB parser crash, needs a fix');
    await refer(referred.id, 'quality', 'Check the first answer.');
    const [development] = await noticesTo('dmitry.dev@support.example', 1);
    expect(development.subject).toBe(`[${referred.reference}] Эскалация: передано в отдел разработки`);
    expect(development.text_body).toContain('\n\nПередано в отдел разработки: EPUB parser crash, needs a fix\n\n');
    const [quality] = await noticesTo('ksenia.qa@support.example', 1);
    expect(quality.text_body).toContain('\n\nПередано в отдел качества: Check the first answer.\n\n');

    // The requester asks for the team leader; nobody takes it up within the re-notice interval (15 minutes).
    const asking = await file();
    const asked = await platform.client.http().post(`/v1/tickets/${asking.id}/messages`).auth(partner.token, { type: 'bearer' }).send({ body: 'Attention Technical Support Team Leader: nobody answers.' });
    expect(asked.status).toBe(201);
    const [teamLeader] = await noticesTo('irina.lead@support.example', 1, asking.id);
    expect(teamLeader.text_body).toContain('\n\nАвтор обращения просит подключить руководителя группы поддержки\n\n');
    clock.advanceMs(15 * MINUTE);
    const [, reminder] = await noticesTo('irina.lead@support.example', 2, asking.id);
    expect(reminder.subject).toMatch(/Напоминание 1: Эскалация: автор обращения просит руководителя группы поддержки$/);

    // A standard ticket nobody answers: 90 % of its 12 hours, then the breach.
    const unanswered = await file();
    clock.advanceMs(10 * 60 * MINUTE + 50 * MINUTE);
    await waitFor('the about-to-breach notice', async () => ((await noticesTo('irina.lead@support.example', 1, unanswered.id)).some((n) => n.subject.includes('срок ответа скоро истечёт')) ? true : undefined));
    clock.advanceMs(90 * MINUTE);
    const unansweredNotices = await waitFor('the breach notice', async () => {
      const rows = await noticesTo('irina.lead@support.example', 1, unanswered.id);
      return rows.some((n) => n.subject.includes('срок ответа пропущен')) ? rows : undefined;
    });
    const warning = unansweredNotices.find((n) => n.subject.endsWith('Эскалация: срок ответа скоро истечёт'))!;
    expect(warning.text_body).toContain('\n\nПрошло 90 % срока ответа (уровень обслуживания: стандартный)\n\n');
    const breach = unansweredNotices.find((n) => n.subject.endsWith('Эскалация: срок ответа пропущен'))!;
    expect(breach.text_body).toContain('\n\nМаксимальное время ответа истекло, а ответа нет\n\n');

    // Every notice to a Russian reader: Russian, but for the links, the cause codes and what people wrote.
    const everyNotice = [...(await noticesTo('dmitry.dev@support.example', 1)), ...(await noticesTo('ksenia.qa@support.example', 1)), ...(await noticesTo('irina.lead@support.example', 1))];
    expect(everyNotice.length).toBeGreaterThanOrEqual(6);
    for (const notice of everyNotice) {
      expect([notice.subject, notice.language]).toEqual([notice.subject, 'ru']);
      const ourWords = notice.text_body
        .replace(/https?:\/\/\S+/g, '')
        .replace(/^> .*$/gm, '') // the requester's words
        .replace(/EPUB parser crash, needs a fix|Check the first answer\./g, '') // the referrals' reasons, as staff wrote them
        .replace(/Код причины: [a-z_]+|\([a-z_]+\)/g, '') // the codes staff filter by
        .replace(/TSS-[A-Z0-9-]+|^TSS$/gm, ''); // the references, and the sign-off
      expect([notice.subject, ourWords]).toEqual([notice.subject, expect.not.stringMatching(/[A-Za-z]{3,}/)]);
    }
  });
});
