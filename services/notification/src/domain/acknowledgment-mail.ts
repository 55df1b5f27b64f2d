import { MAX_RESPONSE_MS, type Language, type ServiceLevel } from '@tss/contracts';
import { vaultNoticeBlock } from './vault-notice';
import { SUBJECT_LEADS } from './mail-subject-leads';
import { renderBlocks, signOffBlock, siteLinkBlocks, ticketSubject, type MailBlock, type RenderedMail, type TicketMailContext } from './mail-template';

/**
 * P2: how the acknowledgment names each detail the request lacked. The description (a mail with no
 * text) asks what the rules want first, "a clear, coherent description of the issues".
 */
const MISSING_DETAIL_LABELS: Record<Language, Record<string, string>> = {
  en: {
    product: 'the product (Aggregion Platform, Reader or Player)',
    productVersion: 'the product version',
    description: 'a description of the problem: what happens, and what you expected instead',
    stepsToReproduce: 'the steps that lead to the problem',
    browser: 'the browser used',
    operatingSystem: 'the operating system',
    operatingSystemVersion: 'the operating system version',
  },
  ru: {
    product: 'продукт (Aggregion Platform, Reader или Player)',
    productVersion: 'версию продукта',
    description: 'описание проблемы: что происходит и чего вы ожидали',
    stepsToReproduce: 'шаги, которые приводят к проблеме',
    browser: 'используемый браузер',
    operatingSystem: 'операционную систему',
    operatingSystemVersion: 'версию операционной системы',
  },
};

export const missingDetailLabel = (language: Language, detail: string): string => MISSING_DETAIL_LABELS[language][detail] ?? detail;

const LEVEL_NAMES: Record<Language, Record<ServiceLevel, string>> = {
  en: { emergency: 'emergency', standard: 'standard', consulting: 'general consulting', development: 'development' },
  ru: { emergency: 'экстренный', standard: 'стандартный', consulting: 'общие консультации', development: 'разработка' },
};

/** A published maximum in words: whole days from two days up, hours below (6, 12, 24 hours; 7 days). */
export const responseTimeWords = (language: Language, ms: number): string => {
  const hours = ms / 3_600_000;
  const [value, unit] = hours >= 48 && hours % 24 === 0 ? [hours / 24, 'day'] : [hours, 'hour'];
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
};

/** The ticket's service level as the acknowledgment states it (P5). */
export interface AcknowledgedLevel {
  level: ServiceLevel;
  /** False while support has not confirmed the level. */
  confirmed: boolean;
  /** True when the filer named the level, false when it is the default; unknown (an older intake's event): neither is said. */
  requested?: boolean;
}

/** P5: what the mail says of a level support has not confirmed yet: who chose it, when known, and that support confirms it. */
const UNCONFIRMED_WORDS: Record<Language, Record<'requested' | 'default' | 'unknown', string>> = {
  en: { requested: ' (as requested; support confirms it)', default: ' (set by default; support confirms it)', unknown: ' (support confirms it)' },
  ru: {
    requested: ' (как указано в обращении; специалист его подтвердит)',
    default: ' (по умолчанию; специалист его подтвердит)',
    unknown: ' (специалист его подтвердит)',
  },
};

const unconfirmedWords = (language: Language, requested: boolean | undefined): string =>
  UNCONFIRMED_WORDS[language][requested === undefined ? 'unknown' : requested ? 'requested' : 'default'];

/**
 * P5: the level and the longest response time the rules allow at it. A partner's agreement may
 * promise less, and sla-timer never lets a clock fall due later than that maximum in calendar
 * time, business hours or not (docs/adr/0031, addendum of 2026-12-04, sixth session); the support
 * site, linked below, shows the ticket's own due time, so the mail states only what is true of
 * every agreement: the rules' maximum.
 */
const levelBlock = (language: Language, { level, confirmed, requested }: AcknowledgedLevel): MailBlock => {
  const name = `${LEVEL_NAMES[language][level]}${confirmed ? '' : unconfirmedWords(language, requested)}`;
  const within = responseTimeWords(language, MAX_RESPONSE_MS[level]);
  return language === 'ru'
    ? { paragraph: `Уровень обслуживания: ${name}. Максимальный срок ответа на этом уровне по правилам поддержки — ${within}.` }
    : { paragraph: `Service level: ${name}. At this level the support rules allow at most ${within} for our response.` };
};

/** P11: what a follow-up's acknowledgment says of the request it continues. */
const followUpBlocks = (language: Language, earlierReference: string | undefined): MailBlock[] =>
  earlierReference === undefined
    ? []
    : [{ paragraph: language === 'ru' ? `Это обращение продолжает прежнее обращение ${earlierReference}.` : `This request follows up the earlier request ${earlierReference}.` }];

/**
 * P3: the acknowledgment mail: the reference number, (P11) the earlier request a follow-up
 * continues, the level and its maximum response time (P5), and (P2) what the request should add.
 */
export const acknowledgmentMail = (
  ctx: TicketMailContext,
  missingDetails: readonly string[],
  level?: AcknowledgedLevel,
  { followsUpReference, credentialsVaulted }: { followsUpReference?: string; credentialsVaulted?: number } = {},
): RenderedMail => {
  const missing = missingDetails.map((d) => missingDetailLabel(ctx.language, d));
  // P9: the first mail the requester gets tells them of particulars their request held.
  const levelBlocks = [...(level ? [levelBlock(ctx.language, level)] : []), ...(credentialsVaulted ? [vaultNoticeBlock(ctx.language, 'request')] : [])];
  if (ctx.language === 'ru') {
    const blocks: MailBlock[] = [
      { paragraph: `Ваше обращение зарегистрировано под номером ${ctx.reference}.` },
      ...followUpBlocks(ctx.language, followsUpReference),
      ...levelBlocks,
      { paragraph: 'Ответьте на это письмо, чтобы дополнить обращение; номер в теме письма сохраняйте.' },
      ...(missing.length > 0
        ? [{ paragraph: 'Чтобы мы ответили быстрее, сообщите, пожалуйста:' }, { list: missing }]
        : []),
      ...siteLinkBlocks(ctx),
      signOffBlock('ru'),
    ];
    return renderBlocks(ticketSubject(ctx, SUBJECT_LEADS.acknowledgment.ru), blocks, 'ru');
  }
  const blocks: MailBlock[] = [
    { paragraph: `Your request was registered with reference number ${ctx.reference}.` },
    ...followUpBlocks(ctx.language, followsUpReference),
    ...levelBlocks,
    { paragraph: 'Reply to this message to add to it; please keep the reference in the subject.' },
    ...(missing.length > 0 ? [{ paragraph: 'To help us respond quickly, please tell us:' }, { list: missing }] : []),
    ...siteLinkBlocks(ctx),
    signOffBlock('en'),
  ];
  return renderBlocks(ticketSubject(ctx, SUBJECT_LEADS.acknowledgment.en), blocks, 'en');
};
