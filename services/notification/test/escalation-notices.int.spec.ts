import { randomUUID } from 'node:crypto';
import { EscalationRaisedV1, EscalationRenotifiedV1, StaffCreatedV1, StaffUpdatedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { mailStore } from '../src/store/mail.store';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

// P7, DESIGN "Mail": notification mails the staff an escalation calls in.
describe('escalation notices to staff (P7, issue #11), notification alone over a real SMTP server', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const partnerId = randomUUID();
  const FALLBACK = 'support-leads@support.example';
  let sink: SmtpSink;
  let notification: NotificationUnderTest;

  const lead = { staffId: randomUUID(), email: 'Lena.Lead@support.example' };
  const noAddress = randomUUID();
  const gone = randomUUID();

  beforeAll(async () => {
    sink = await startSmtpSink();
    notification = await startNotification(clock, {
      MAIL_SMTP_HOST: '127.0.0.1',
      MAIL_SMTP_PORT: String(sink.port),
      MAIL_FROM: 'TSS Support <support@tss.test>',
      TSS_PUBLIC_URL: 'https://tss.example',
      ESCALATION_NOTICE_FALLBACK_EMAIL: FALLBACK,
    });
    const changedAt = clock.now().toISOString();
    await notification.publish(StaffCreatedV1, lead.staffId, { staffId: lead.staffId, roles: ['team_lead'], displayName: 'Lena Lead', email: lead.email, active: true, changedAt });
    await notification.publish(StaffCreatedV1, noAddress, { staffId: noAddress, roles: ['team_lead'], active: true, changedAt });
    await notification.publish(StaffCreatedV1, gone, { staffId: gone, roles: ['team_lead'], email: 'gone@support.example', active: false, changedAt });
    await directoryShows(gone, { active: false });
    await directoryShows(lead.staffId, { email: lead.email });
  });
  afterAll(async () => {
    await notification?.sut.stop();
    await sink?.close();
  });

  /** Staff events are keyed by staff id, escalations by ticket id: no order between them, so the test waits for the directory. */
  const directoryShows = (staffId: string, expected: { email?: string; active?: boolean }) =>
    waitFor(`staff ${staffId} in the directory as ${JSON.stringify(expected)}`, async () => {
      const [row] = await notification.sut.query<{ email: string | null; active: boolean }>(`SELECT email, active FROM notification.staff_directory WHERE staff_id = $1`, [staffId]);
      return row && (expected.email === undefined || row.email === expected.email) && (expected.active === undefined || row.active === expected.active);
    });

  /** The language each notice of a ticket was queued in, as recorded with the mail. */
  const noticeLanguages = (ticketId: string) =>
    notification.sut.query<{ recipient: string; language: string }>(
      `SELECT recipient, language FROM notification.mail_messages WHERE kind = 'escalation_notice' AND ticket_id = $1 ORDER BY recipient, created_at`,
      [ticketId],
    );

  const raised = (ticketId: string, data: Partial<Parameters<typeof notification.publish<typeof EscalationRaisedV1>>[2]> & { escalationId: string }) =>
    notification.publish(EscalationRaisedV1, ticketId, { partnerId, kind: 'team_leader', targetRole: 'team_lead', raisedAt: clock.now().toISOString(), ...data });

  it('the targeted team leader gets the kind, level, reference, quote and links; a re-published event and each re-notice mail once', async () => {
    const ticket = await notification.ticketCreated({ partnerId });
    const escalationId = randomUUID();
    await raised(ticket.ticketId, {
      escalationId,
      level: 1,
      targetStaffIds: [lead.staffId, noAddress],
      quote: 'Attention Technical Support Team Leader\nnobody answers',
      summary: 'The requester asked for the team leader.',
    });
    const notice = await sink.nthMailTo('lena.lead@support.example');
    expect(notice.subject).toBe(`[${ticket.reference}] Escalation: The requester asked for the team leader`);
    expect(notice.text).toContain(`The requester asked for the team leader on ticket ${ticket.reference}.`);
    expect(notice.text).toContain('- Escalation: level 1 (team leader)');
    expect(notice.text).toContain('> Attention Technical Support Team Leader\n> nobody answers');
    expect(notice.text).toContain(`https://tss.example/v1/tickets/${ticket.ticketId}`);
    expect(notice.html).toContain(`href="https://tss.example/v1/escalations/${escalationId}"`);
    expect(notice.html).toContain('&gt; Attention Technical Support Team Leader<br>&gt; nobody answers');

    // The same escalation published again (another event id), then its first re-notice, on the same ticket key (in order).
    await raised(ticket.ticketId, { escalationId, level: 1, targetStaffIds: [lead.staffId] });
    const renotice = { partnerId, escalationId, kind: 'team_leader' as const, targetRole: 'team_lead', targetStaffIds: [lead.staffId], renotifiedAt: clock.now().toISOString() };
    await notification.publish(EscalationRenotifiedV1, ticket.ticketId, { ...renotice, attempt: 1 });
    const reminder = await sink.nthMailTo('lena.lead@support.example', 2);
    expect(reminder.subject).toBe(`[${ticket.reference}] Reminder 1: Escalation: The requester asked for the team leader`);
    expect(reminder.text).toContain('this is reminder 1');
    await notification.publish(EscalationRenotifiedV1, ticket.ticketId, { ...renotice, attempt: 1 });
    await notification.publish(EscalationRenotifiedV1, ticket.ticketId, { ...renotice, attempt: 2 });
    await sink.nthMailTo('lena.lead@support.example', 3);
    expect(sink.mailsTo('lena.lead@support.example').map((m) => m.subject)).toEqual([
      expect.stringContaining('] Escalation:'),
      expect.stringContaining('Reminder 1:'),
      expect.stringContaining('Reminder 2:'),
    ]);
    expect(sink.mailsTo(FALLBACK)).toHaveLength(0); // someone targeted was reached

    // A staff member's reply to the notice is not the requester's: it never threads onto the ticket (P8).
    const row = await notification.sut.query<{ message_id: string }>(`SELECT message_id FROM notification.mail_messages WHERE kind = 'escalation_notice' AND ticket_id = $1 LIMIT 1`, [ticket.ticketId]);
    expect(await notification.sut.host.unitOfWork.run((tx) => mailStore.ticketOfMessageIds(tx, [row[0].message_id]))).toBeUndefined();
  });

  it('nobody targeted with an address (none named, no address, inactive, unknown): the fallback address gets it', async () => {
    const ticket = await notification.ticketCreated({ partnerId });
    await raised(ticket.ticketId, { escalationId: randomUUID(), kind: 'sla_breach', level: 2, targetRole: 'head_of_support', targetStaffIds: [noAddress, gone, randomUUID()] });
    const notice = await sink.nthMailTo(FALLBACK);
    expect(notice.subject).toBe(`[${ticket.reference}] Escalation: The response deadline was missed`);
    expect(notice.text).toContain('- Escalation: level 2 (head of support)');
    expect(notice.text).toContain('- Called in: head_of_support');
    // The fallback address is nobody's in the directory: it reads English (docs/adr/0042, fourth-session addendum).
    expect(notice.html).toContain('<html lang="en">');
    expect(await noticeLanguages(ticket.ticketId)).toEqual([{ recipient: FALLBACK, language: 'en' }]);

    await raised(ticket.ticketId, { escalationId: randomUUID(), kind: 'quality', targetRole: 'quality' });
    expect((await sink.nthMailTo(FALLBACK, 2)).subject).toContain('The quality department is involved');
  });

  it('P5: an applied referral mails the developers it targets (not the fallback), linking the referral', async () => {
    const developer = { staffId: randomUUID(), email: 'dev.one@support.example' };
    await notification.publish(StaffCreatedV1, developer.staffId, { staffId: developer.staffId, roles: ['developer'], email: developer.email, active: true, changedAt: clock.now().toISOString() });
    await directoryShows(developer.staffId, { email: developer.email });
    const ticket = await notification.ticketCreated({ partnerId });
    const referralId = randomUUID();
    const fallbackBefore = sink.mailsTo(FALLBACK).length;
    await raised(ticket.ticketId, { escalationId: referralId, kind: 'development', targetRole: 'developer', targetStaffIds: [developer.staffId], summary: 'Referred to development: crash needs a code fix.' });
    const notice = await sink.nthMailTo(developer.email);
    expect(notice.subject).toBe(`[${ticket.reference}] Escalation: Referred to the development department`);
    expect(notice.html).toContain(`href="https://tss.example/v1/tickets/${ticket.ticketId}/referrals/${referralId}"`);
    expect(notice.html).not.toContain(`/v1/escalations/${referralId}`);
    expect(sink.mailsTo(FALLBACK)).toHaveLength(fallbackBefore);
  });

  it('staff.updated keeps the newest description: a member made inactive is no longer mailed; an older event changes nothing', async () => {
    const member = randomUUID();
    const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
    await notification.publish(StaffCreatedV1, member, { staffId: member, roles: ['agent'], email: 'old@support.example', active: true, changedAt: at(0) });
    await notification.publish(StaffUpdatedV1, member, { staffId: member, roles: ['agent'], email: 'new@support.example', active: true, changedAt: at(2_000) });
    await notification.handled(await notification.publish(StaffUpdatedV1, member, { staffId: member, roles: ['agent'], email: 'stale@support.example', active: true, changedAt: at(1_000) }));
    await directoryShows(member, { email: 'new@support.example' }); // the stale one (older changedAt) changed nothing
    const ticket = await notification.ticketCreated({ partnerId });
    await raised(ticket.ticketId, { escalationId: randomUUID(), kind: 'emergency', targetRole: 'agent', targetStaffIds: [member] });
    expect((await sink.nthMailTo('new@support.example')).subject).toContain('An emergency request');

    await notification.publish(StaffUpdatedV1, member, { staffId: member, roles: ['agent'], email: 'new@support.example', active: false, changedAt: at(3_000) });
    await directoryShows(member, { active: false });
    const fallbackBefore = sink.mailsTo(FALLBACK).length;
    await raised(ticket.ticketId, { escalationId: randomUUID(), kind: 'phone_callback', targetRole: 'agent', targetStaffIds: [member] });
    expect((await sink.nthMailTo(FALLBACK, fallbackBefore + 1)).subject).toContain('A phone call-back is wanted');
    expect(sink.mailsTo('new@support.example')).toHaveLength(1);
    expect(sink.mailsTo('stale@support.example')).toHaveLength(0);
    expect(sink.mailsTo('old@support.example')).toHaveLength(0);
  });

  // An outside tester, a Russian-speaking team leader: every notice was English. Each staff member
  // now reads it in the language the gateway announces for them (docs/adr/0042, fourth-session addendum).
  it("each targeted staff member gets the notice in their own language: ru in Russian; en, and a member from an older event without one, in English; one mail each", async () => {
    const changedAt = clock.now().toISOString();
    const ivan = { staffId: randomUUID(), email: 'ivan.petrov@support.example' };
    const emma = { staffId: randomUUID(), email: 'emma.stone@support.example' };
    const olga = { staffId: randomUUID(), email: 'olga.before@support.example' };
    await notification.publish(StaffCreatedV1, ivan.staffId, { staffId: ivan.staffId, roles: ['team_lead'], displayName: 'Иван Петров', email: ivan.email, language: 'ru', active: true, changedAt });
    await notification.publish(StaffCreatedV1, emma.staffId, { staffId: emma.staffId, roles: ['team_lead'], email: emma.email, language: 'en', active: true, changedAt });
    await notification.publish(StaffCreatedV1, olga.staffId, { staffId: olga.staffId, roles: ['team_lead'], email: olga.email, active: true, changedAt }); // an older gateway: no language
    for (const member of [ivan, emma, olga]) await directoryShows(member.staffId, { email: member.email });

    const ticket = await notification.ticketCreated({ partnerId });
    const escalationId = randomUUID();
    await raised(ticket.ticketId, {
      escalationId,
      kind: 'team_leader',
      level: 1,
      targetRole: 'team_leader',
      targetStaffIds: [ivan.staffId, emma.staffId, olga.staffId],
      quote: 'Attention Technical Support Team Leader\nникто не отвечает',
    });

    const russian = await sink.nthMailTo(ivan.email);
    expect(russian.subject).toBe(`[${ticket.reference}] Эскалация: автор обращения просит руководителя группы поддержки`);
    expect(russian.text).toContain(`Автор обращения ${ticket.reference} просит подключить руководителя группы поддержки.`);
    expect(russian.text).toContain('- Эскалация: уровень 1 (руководитель группы поддержки)');
    expect(russian.text).toContain('- Кто привлечён: руководитель группы поддержки (team_leader)');
    expect(russian.text).toContain('Что было написано:\n\n> Attention Technical Support Team Leader\n> никто не отвечает');
    expect(russian.text).toContain(`Обращение: https://tss.example/v1/tickets/${ticket.ticketId}`);
    expect(russian.text).toContain(`Эскалация (примите её в работу там): https://tss.example/v1/escalations/${escalationId}`);
    expect(russian.html).toContain('<html lang="ru">');
    expect(russian.text).not.toMatch(/Escalation|The ticket|team leader|acknowledge/);

    for (const address of [emma.email, olga.email]) {
      const english = await sink.nthMailTo(address);
      expect([address, english.subject]).toEqual([address, `[${ticket.reference}] Escalation: The requester asked for the team leader`]);
      expect(english.text).toContain(`The requester asked for the team leader on ticket ${ticket.reference}.`);
      expect(english.html).toContain('<html lang="en">');
    }

    // Its first re-notice: a reminder, each again in their own language.
    const renotice = { partnerId, escalationId, kind: 'team_leader' as const, targetRole: 'team_lead', targetStaffIds: [ivan.staffId, emma.staffId], renotifiedAt: clock.now().toISOString() };
    await notification.publish(EscalationRenotifiedV1, ticket.ticketId, { ...renotice, attempt: 1 });
    expect((await sink.nthMailTo(ivan.email, 2)).subject).toBe(`[${ticket.reference}] Напоминание 1: Эскалация: автор обращения просит руководителя группы поддержки`);
    expect((await sink.nthMailTo(ivan.email, 2)).text).toContain('Эскалацию ещё никто не принял в работу; это напоминание 1.');
    expect((await sink.nthMailTo(emma.email, 2)).subject).toBe(`[${ticket.reference}] Reminder 1: Escalation: The requester asked for the team leader`);

    expect([ivan, emma, olga].map((m) => sink.mailsTo(m.email).length)).toEqual([2, 2, 1]);
    expect(await noticeLanguages(ticket.ticketId)).toEqual([
      { recipient: emma.email, language: 'en' },
      { recipient: emma.email, language: 'en' },
      { recipient: ivan.email, language: 'ru' },
      { recipient: ivan.email, language: 'ru' },
      { recipient: olga.email, language: 'en' },
    ]);
  });

  it('a staff.updated without a language (an older gateway during a roll) keeps the language the directory knows; one that states en changes it', async () => {
    const member = randomUUID();
    const email = 'pavel.roll@support.example';
    const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
    await notification.publish(StaffCreatedV1, member, { staffId: member, roles: ['agent'], email, language: 'ru', active: true, changedAt: at(0) });
    await notification.handled(await notification.publish(StaffUpdatedV1, member, { staffId: member, roles: ['agent', 'team_lead'], email, active: true, changedAt: at(1_000) }));
    const ticket = await notification.ticketCreated({ partnerId });
    await raised(ticket.ticketId, { escalationId: randomUUID(), kind: 'emergency', targetRole: 'agent', targetStaffIds: [member] });
    expect((await sink.nthMailTo(email)).subject).toBe(`[${ticket.reference}] Эскалация: экстренное обращение`);

    await notification.handled(await notification.publish(StaffUpdatedV1, member, { staffId: member, roles: ['agent'], email, language: 'en', active: true, changedAt: at(2_000) }));
    await raised(ticket.ticketId, { escalationId: randomUUID(), kind: 'emergency', targetRole: 'agent', targetStaffIds: [member] });
    expect((await sink.nthMailTo(email, 2)).subject).toBe(`[${ticket.reference}] Escalation: An emergency request`);
  });
});
