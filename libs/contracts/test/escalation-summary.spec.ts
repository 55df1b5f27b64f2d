import { escalationSummaryText, type EscalationSummaryFacts } from '../src';

// docs/adr/0042, addendum of 2026-12-05, fifth session: what set an escalation off, worded for each
// reader; the English is escalation's `summary`, unchanged.
describe('escalationSummaryText', () => {
  const every: [EscalationSummaryFacts, string, string][] = [
    [{ on: 'sla.warning', clockLevel: 'emergency', thresholdPercent: 75 }, 'The emergency response clock passed 75 % of its target', 'Прошло 75 % срока ответа (уровень обслуживания: экстренный)'],
    [{ on: 'sla.warning', thresholdPercent: 90 }, 'The response clock passed 90 % of its target', 'Прошло 90 % срока ответа'],
    [{ on: 'sla.breached' }, 'The maximum response time passed with no response', 'Максимальное время ответа истекло, а ответа нет'],
    [{ on: 'sla.overdue' }, 'Still no response at the overdue threshold', 'Ответа всё ещё нет, хотя пройден порог просрочки'],
    [
      { on: 'sla.clock_started', raisedToEmergency: true },
      'Ticket raised to emergency: the partner’s agreement includes phone support; call the requester back',
      'Обращение переведено в экстренные: соглашение с партнёром включает поддержку по телефону; перезвоните автору обращения',
    ],
    [{ on: 'ticket.created' }, 'New emergency ticket', 'Новое экстренное обращение'],
    [{ on: 'ticket.team_leader_requested' }, 'The requester asked for the team leader', 'Автор обращения просит подключить руководителя группы поддержки'],
    [{ on: 'rating.submitted', score: 2, withComment: true }, 'Rating 2 of 5 with a comment', 'Оценка 2 из 5, с комментарием'],
    [{ on: 'ticket.referral_applied', referredTo: 'design', reason: 'Offline reading, please.' }, 'Referred to design: Offline reading, please.', 'Передано в отдел проектирования: Offline reading, please.'],
  ];

  it.each(every)('%j: English as escalation words it, Russian with no English of ours', (facts, en, ru) => {
    expect(escalationSummaryText(facts, 'en')).toBe(en);
    expect(escalationSummaryText(facts, 'ru')).toBe(ru);
    expect(ru.replace(facts.reason ?? '', '')).not.toMatch(/[A-Za-z]/);
  });

  it('a cause this release has no words for is left to the summary as written', () => {
    expect(escalationSummaryText({ on: 'sla.paused' }, 'ru')).toBeUndefined();
    expect(escalationSummaryText({ on: 'toString' }, 'en')).toBeUndefined();
  });
});
