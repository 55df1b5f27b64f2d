import { Type, type Static } from '@sinclair/typebox';
import { ReferralTarget, ServiceLevel } from './domain-values';
import type { Language } from './support-catalogue';

/**
 * P7: what set an escalation off, as facts rather than words, so each reader words it in their own
 * language: notification mails staff in theirs (docs/adr/0042, addenda of 2026-12-05, fourth and
 * fifth sessions). `escalation.raised` carries them beside its `summary`, which stays the English
 * wording of the same facts (the API, webhooks and older consumers read it).
 */
export const EscalationSummaryFacts = Type.Object({
  /**
   * The event behind it: an escalation rule's (`sla.warning`, `sla.breached`, `sla.overdue`,
   * `sla.clock_started`, `ticket.created`, `ticket.team_leader_requested`, `rating.submitted`), or
   * `ticket.referral_applied` for a referral. Any text: a newer release may name a cause an older
   * reader has no words for, and that reader shows `summary` instead.
   */
  on: Type.String({ minLength: 1, maxLength: 100 }),
  /** `ticket.created`, `sla.clock_started`: an agent raised the ticket to emergency (`sla.retargeted`); absent for one filed at emergency. */
  raisedToEmergency: Type.Optional(Type.Boolean()),
  /** `sla.warning`: the clock's service level, and how much of its target had passed, in percent. */
  clockLevel: Type.Optional(ServiceLevel),
  thresholdPercent: Type.Optional(Type.Integer({ minimum: 0 })),
  /** `rating.submitted`: the score given, and whether a comment came with it (the comment is the escalation's `quote`). */
  score: Type.Optional(Type.Integer()),
  withComment: Type.Optional(Type.Boolean()),
  /** A referral: the department, and why, as staff wrote it (P9: access particulars removed, as in every copy). */
  referredTo: Type.Optional(ReferralTarget),
  reason: Type.Optional(Type.String({ maxLength: 4000 })),
});
export type EscalationSummaryFacts = Static<typeof EscalationSummaryFacts>;

type Words = Readonly<Record<Language, string>>;

const LEVEL_WORDS: Readonly<Record<ServiceLevel, Words>> = {
  emergency: { en: 'emergency', ru: 'экстренный' },
  standard: { en: 'standard', ru: 'стандартный' },
  consulting: { en: 'consulting', ru: 'общие консультации' },
  development: { en: 'development', ru: 'разработка' },
};

const DEPARTMENT_RU: Readonly<Record<ReferralTarget, string>> = {
  development: 'Передано в отдел разработки',
  quality: 'Передано в отдел качества',
  design: 'Передано в отдел проектирования',
};

const RAISED_TO_EMERGENCY: Words = { en: 'Ticket raised to emergency', ru: 'Обращение переведено в экстренные' };

const SAID: Readonly<Record<string, (f: EscalationSummaryFacts, language: Language) => string>> = {
  'sla.warning': (f, language) => {
    const percent = f.thresholdPercent ?? 0;
    if (language === 'ru') return `Прошло ${percent} % срока ответа${f.clockLevel ? ` (уровень обслуживания: ${LEVEL_WORDS[f.clockLevel].ru})` : ''}`;
    return `The ${f.clockLevel ? `${f.clockLevel} ` : ''}response clock passed ${percent} % of its target`;
  },
  'sla.breached': (_f, language) => ({ en: 'The maximum response time passed with no response', ru: 'Максимальное время ответа истекло, а ответа нет' })[language],
  'sla.overdue': (_f, language) => ({ en: 'Still no response at the overdue threshold', ru: 'Ответа всё ещё нет, хотя пройден порог просрочки' })[language],
  'sla.clock_started': (f, language) =>
    ({
      en: `${f.raisedToEmergency ? RAISED_TO_EMERGENCY.en : 'Emergency ticket'}: the partner’s agreement includes phone support; call the requester back`,
      ru: `${f.raisedToEmergency ? RAISED_TO_EMERGENCY.ru : 'Экстренное обращение'}: соглашение с партнёром включает поддержку по телефону; перезвоните автору обращения`,
    })[language],
  'ticket.created': (f, language) => (f.raisedToEmergency ? RAISED_TO_EMERGENCY : { en: 'New emergency ticket', ru: 'Новое экстренное обращение' })[language],
  'ticket.team_leader_requested': (_f, language) => ({ en: 'The requester asked for the team leader', ru: 'Автор обращения просит подключить руководителя группы поддержки' })[language],
  'rating.submitted': (f, language) =>
    language === 'ru' ? `Оценка ${f.score ?? '?'} из 5${f.withComment ? ', с комментарием' : ''}` : `Rating ${f.score ?? '?'} of 5${f.withComment ? ' with a comment' : ''}`,
  'ticket.referral_applied': (f, language) => {
    const lead = language === 'ru' ? (f.referredTo ? DEPARTMENT_RU[f.referredTo] : 'Передано в другой отдел') : `Referred to ${f.referredTo ?? 'another department'}`;
    // The reason is staff's own words: never translated.
    return f.reason ? `${lead}: ${f.reason}` : lead;
  },
};

/**
 * What set the escalation off, in `language`: the English is the escalation service's `summary`
 * (without the reference it puts first), the Russian the same facts in the words of the staff
 * notices; a referral's reason as staff wrote it. Undefined for a cause this release has no words
 * for (a newer escalation's): the reader shows `summary` as written.
 */
export const escalationSummaryText = (facts: EscalationSummaryFacts, language: Language): string | undefined =>
  Object.hasOwn(SAID, facts.on) ? SAID[facts.on](facts, language) : undefined;
