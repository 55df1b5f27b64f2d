import type { Language } from '@tss/contracts';
import { renderBlocks, siteLinkBlocks, ticketSubject, type MailBlock, type RenderedMail, type TicketMailContext } from './mail-template';

/** P2: how the acknowledgment names each recommended detail the request lacked. */
const MISSING_DETAIL_LABELS: Record<Language, Record<string, string>> = {
  en: {
    product: 'the product (Aggregion Platform, Reader or Player)',
    productVersion: 'the product version',
    stepsToReproduce: 'the steps that lead to the problem',
    browser: 'the browser used',
    operatingSystem: 'the operating system',
    operatingSystemVersion: 'the operating system version',
  },
  ru: {
    product: 'продукт (Aggregion Platform, Reader или Player)',
    productVersion: 'версию продукта',
    stepsToReproduce: 'шаги, которые приводят к проблеме',
    browser: 'используемый браузер',
    operatingSystem: 'операционную систему',
    operatingSystemVersion: 'версию операционной системы',
  },
};

export const missingDetailLabel = (language: Language, detail: string): string => MISSING_DETAIL_LABELS[language][detail] ?? detail;

/** P3: the acknowledgment mail: the reference number and (P2) what the request should add. */
export const acknowledgmentMail = (ctx: TicketMailContext, missingDetails: readonly string[]): RenderedMail => {
  const missing = missingDetails.map((d) => missingDetailLabel(ctx.language, d));
  if (ctx.language === 'ru') {
    const blocks: MailBlock[] = [
      { paragraph: `Ваше обращение зарегистрировано под номером ${ctx.reference}.` },
      { paragraph: 'Ответьте на это письмо, чтобы дополнить обращение; номер в теме письма сохраняйте.' },
      ...(missing.length > 0
        ? [{ paragraph: 'Чтобы мы ответили быстрее, сообщите, пожалуйста:' }, { list: missing }]
        : []),
      ...siteLinkBlocks(ctx),
      { paragraph: 'Служба технической поддержки' },
    ];
    return renderBlocks(ticketSubject(ctx, 'Обращение принято'), blocks);
  }
  const blocks: MailBlock[] = [
    { paragraph: `Your request was registered with reference number ${ctx.reference}.` },
    { paragraph: 'Reply to this message to add to it; please keep the reference in the subject.' },
    ...(missing.length > 0 ? [{ paragraph: 'To help us respond quickly, please tell us:' }, { list: missing }] : []),
    ...siteLinkBlocks(ctx),
    { paragraph: 'Technical Support' },
  ];
  return renderBlocks(ticketSubject(ctx, 'Request received'), blocks);
};
