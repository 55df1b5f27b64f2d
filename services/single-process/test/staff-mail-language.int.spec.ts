import { randomUUID } from 'node:crypto';
import { EscalationRaisedV1 } from '@tss/contracts';
import { waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// A Russian-speaking team leader (outside tester) read every staff mail in English. The language
// an admin sets in the gateway reaches notification through staff.* and picks the notice's words
// (docs/adr/0042, addendum of 2026-12-05, fourth session), on the whole platform.
describe("staff mail in the staff member's language, gateway to notification", () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform('staff_mail_language');
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
});
