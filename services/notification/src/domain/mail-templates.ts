import { attachmentRefusalText, fileSizeLimitText, fileSizeText, outOfScopeReasonText, thirdPartyText, vaultMarksIn, waitReasonText, type Language, type RefusedAttachment, type RepliedAttachment } from '@tss/contracts';
import { vaultNoticeBlock } from './vault-notice';
import { SUBJECT_LEADS } from './mail-subject-leads';
import { renderBlocks, signOffBlock, siteLinkBlocks, ticketSubject, type MailBlock, type RenderedMail, type TicketMailContext } from './mail-template';

/** Mail to the requester about their ticket, EN and RU (issue #11 "E-mail out"). */

type Words = Record<Language, string>;
const pick = (ctx: TicketMailContext, words: Words): string => words[ctx.language];

const REPLY_HINT: Words = {
  en: 'Reply to this message to answer; please keep the reference in the subject.',
  ru: 'Ответьте на это письмо, чтобы продолжить переписку; номер в теме письма сохраняйте.',
};

/** P9: the requester is told to change particulars the vault held (resolved, or closed out of scope). */
const CHANGE_CREDENTIALS: Words = {
  en: 'You gave us access particulars for this request: please change that password now. We destroy our copy within 2 days.',
  ru: 'Для этого обращения вы передали нам данные для доступа: смените, пожалуйста, этот пароль. Нашу копию мы уничтожим в течение 2 дней.',
};

const mail = (ctx: TicketMailContext, lead: Words, blocks: readonly MailBlock[]): RenderedMail =>
  renderBlocks(ticketSubject(ctx, pick(ctx, lead)), [...blocks, ...siteLinkBlocks(ctx), signOffBlock(ctx.language)], ctx.language);


/**
 * P8: the files an agent's reply carries, by name (as the thread shows it: P9 masked) and size, each
 * linked to its download on the support site (`<site link>/attachments/<id>`, the link the ticket's
 * page gives it). The files themselves are not attached (docs/adr/0035, addendum of 2026-12-05,
 * fifth session). Without a site link the mail names them only.
 */
const replyFilesBlocks = (ctx: TicketMailContext, files: readonly RepliedAttachment[]): MailBlock[] =>
  files.length === 0
    ? []
    : [
        {
          paragraph: ctx.siteUrl
            ? pick(ctx, { en: 'Attached to this reply (download on the support site):', ru: 'К ответу приложено (скачать можно на сайте поддержки):' })
            : pick(ctx, { en: 'Attached to this reply:', ru: 'К ответу приложено:' }),
        },
        {
          files: files.map((f) => ({
            name: f.fileName,
            size: fileSizeText(f.size, ctx.language),
            ...(ctx.siteUrl ? { href: `${ctx.siteUrl}/attachments/${encodeURIComponent(f.id)}` } : {}),
          })),
        },
      ];

/**
 * An agent's public reply. `body` is the reply as the thread shows it (credentials masked, P9);
 * absent when the event did not carry it, the mail says where to read it instead. `files`: what the
 * reply carries (P8), named with their downloads.
 */
export const agentReplyMail = (ctx: TicketMailContext, body: string | undefined, bodyCut = false, files: readonly RepliedAttachment[] = []): RenderedMail =>
  mail(ctx, SUBJECT_LEADS.newReply, [
    // P9: the reply's vault marks in the mail's language, as the site shows them.
    ...(body ? [{ written: vaultMarksIn(body, ctx.language), links: true } as MailBlock] : []),
    ...(body && bodyCut
      ? [
          {
            paragraph: pick(ctx, {
              en: 'This reply is longer than a mail carries: the rest of it is in the request’s thread on the support site.',
              ru: 'Ответ длиннее, чем помещается в письмо: продолжение — в переписке по обращению на сайте поддержки.',
            }),
          } as MailBlock,
        ]
      : []),
    ...(body
      ? []
      : [
          {
          paragraph: pick(ctx, {
            en: `Support replied to your request ${ctx.reference}. The reply is in the request's thread on the support site.`,
            ru: `Служба поддержки ответила на обращение ${ctx.reference}. Ответ — в переписке по обращению на сайте поддержки.`,
          }),
        } as MailBlock,
      ]),
    ...replyFilesBlocks(ctx, files),
    { paragraph: pick(ctx, REPLY_HINT) },
  ]);

/**
 * P10: the ticket waits on the requester (status `awaiting_customer`): why, and `question`, the
 * agent's note, what is asked, as the history keeps it (credentials masked, P9), written as an
 * agent reply is.
 */
export const informationRequestedMail = (ctx: TicketMailContext, reason: string | undefined, question?: string): RenderedMail =>
  mail(ctx, SUBJECT_LEADS.informationNeeded, [
    { paragraph: waitReasonText(reason, ctx.language) },
    ...(question ? [{ written: vaultMarksIn(question, ctx.language), links: true }] : []),
    {
      paragraph: pick(ctx, {
        en: `Your request ${ctx.reference} waits for your answer.`,
        ru: `Обращение ${ctx.reference} ждёт вашего ответа.`,
      }),
    },
    { paragraph: pick(ctx, REPLY_HINT) },
  ]);

export interface ResolvedMailInput {
  /** P11: the rating invitation, when `rating.requested` reached us. */
  rateUrl?: string;
  /** P9: temporary access particulars were held: the requester must change them. */
  credentialsHeld: boolean;
  reopenWindowEndsAt: Date;
}

/**
 * The reopen deadline as the requester reads it: date and time in UTC, to the minute, rounded down
 * (seconds cut), since a reply after the stated minute could miss the window and file a follow-up.
 */
const deadlineOf = (at: Date): string => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** P11: resolved, with the rating invitation and (P9) the request to change credentials. */
export const resolvedMail = (ctx: TicketMailContext, input: ResolvedMailInput): RenderedMail =>
  mail(ctx, SUBJECT_LEADS.resolved, [
    { paragraph: pick(ctx, { en: `Your request ${ctx.reference} is resolved.`, ru: `Обращение ${ctx.reference} решено.` }) },
    ...(input.credentialsHeld ? [{ paragraph: pick(ctx, CHANGE_CREDENTIALS) }] : []),
    ...(input.rateUrl
      ? [
          { paragraph: pick(ctx, { en: 'Please rate the support you received:', ru: 'Пожалуйста, оцените полученную помощь:' }) },
          { link: { text: pick(ctx, { en: 'Rate the support', ru: 'Оценить поддержку' }), href: input.rateUrl } },
        ]
      : []),
    {
      paragraph: pick(ctx, {
        en: `If the problem is not solved, reply to this message by ${deadlineOf(input.reopenWindowEndsAt)} and the request reopens.`,
        ru: `Если проблема не решена, ответьте на это письмо до ${deadlineOf(input.reopenWindowEndsAt)}, и обращение откроется снова.`,
      }),
    },
  ]);

/** P11: the rating invitation on its own, when it came after the resolved mail had gone. */
export const ratingInvitationMail = (ctx: TicketMailContext, rateUrl: string): RenderedMail =>
  mail(ctx, SUBJECT_LEADS.rateTheSupport, [
    { paragraph: pick(ctx, { en: 'Please rate the support you received:', ru: 'Пожалуйста, оцените полученную помощь:' }) },
    { link: { text: pick(ctx, { en: 'Rate the support', ru: 'Оценить поддержку' }), href: rateUrl } },
  ]);

/** P11: reopened; a response is owed again. P9: particulars a "not solved" rating's comment held were vaulted. */
export const reopenedMail = (ctx: TicketMailContext, credentialsVaulted?: number): RenderedMail =>
  mail(ctx, SUBJECT_LEADS.reopened, [
    {
      paragraph: pick(ctx, {
        en: `Your request ${ctx.reference} is open again; support will respond.`,
        ru: `Обращение ${ctx.reference} снова открыто; служба поддержки ответит.`,
      }),
    },
    ...(credentialsVaulted ? [vaultNoticeBlock(ctx.language, 'rating_comment')] : []),
    { paragraph: pick(ctx, REPLY_HINT) },
  ]);

/** P9: the requester's message held access particulars, moved to the vault: told by mail, not only on the thread. */
export const credentialsVaultedMail = (ctx: TicketMailContext): RenderedMail =>
  mail(ctx, SUBJECT_LEADS.particularsSecured, [vaultNoticeBlock(ctx.language, 'message'), { paragraph: pick(ctx, REPLY_HINT) }]);

/**
 * P9: a destruction deadline as the requester reads it, to the minute, rounded up: a minute cut
 * down would name a moment before the destruction (intake's thread note states it the same way).
 */
const destructionDeadlineOf = (at: Date): string => `${new Date(Math.ceil(at.getTime() / 60_000) * 60_000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * P9: particulars handed over after the resolution are destroyed with the resolution's; the
 * resolved mail could not tell of them, so this one does (docs/adr/0026, addendum of 2026-12-05,
 * second session). Replying reopens nothing new: the resolved mail says how to reopen.
 */
export const credentialsAfterResolutionMail = (ctx: TicketMailContext, destroyAfter: Date): RenderedMail =>
  mail(ctx, SUBJECT_LEADS.changeParticulars, [
    {
      paragraph: pick(ctx, {
        en: `Access particulars were handed over for your request ${ctx.reference} after it was resolved. They will be destroyed by ${destructionDeadlineOf(destroyAfter)}. Please change those passwords now.`,
        ru: `Данные для доступа по обращению ${ctx.reference} переданы после его решения. Они будут уничтожены не позднее ${destructionDeadlineOf(destroyAfter)}. Пожалуйста, смените эти пароли сейчас.`,
      }),
    },
  ]);

export interface ClosedOutOfScopeInput {
  /** P6: the catalogue's out-of-scope case (an `OutOfScopeReason` code). */
  reason: string;
  /** P6: the kind of third party to turn to. */
  thirdParty?: string;
  /** P9: the vault held access particulars: they are destroyed, and the requester must change them. */
  credentialsHeld: boolean;
}

/**
 * P6: closed as beyond technical support, with the reason and the third party to turn to, in the
 * catalogue's words; P9: particulars it held are destroyed and must be changed. Undefined for a
 * reason that is not an out-of-scope case (a closure after resolution tells the requester nothing new).
 */
export const closedOutOfScopeMail = (ctx: TicketMailContext, input: ClosedOutOfScopeInput): RenderedMail | undefined => {
  const reason = outOfScopeReasonText(input.reason, ctx.language);
  if (!reason) return undefined;
  const thirdParty = input.thirdParty ? thirdPartyText(input.thirdParty, ctx.language) : undefined;
  return mail(ctx, SUBJECT_LEADS.closedOutOfScope, [
    {
      paragraph: pick(ctx, {
        en: `Your request ${ctx.reference} is closed: it is outside what our technical support covers.`,
        ru: `Обращение ${ctx.reference} закрыто: оно выходит за рамки нашей технической поддержки.`,
      }),
    },
    { paragraph: `${pick(ctx, { en: 'Reason', ru: 'Причина' })}: ${reason}.` },
    ...(thirdParty ? [{ paragraph: `${pick(ctx, { en: 'Please turn to', ru: 'Пожалуйста, обратитесь' })}: ${thirdParty}.` }] : []),
    ...(input.credentialsHeld ? [{ paragraph: pick(ctx, CHANGE_CREDENTIALS) }] : []),
    {
      paragraph: pick(ctx, {
        en: 'If you think this is a mistake, reply to this message or say so on the support site: a new request linked to this one is opened.',
        ru: 'Если вы считаете, что это ошибка, ответьте на это письмо или сообщите об этом на сайте поддержки: будет открыто новое обращение, связанное с этим.',
      }),
    },
  ]);
};

/** P8: the size limits a mail's files are held to, in the units sizes are written in (`10 MB`, `10 МБ`). */
const attachmentSizeLimitsSentence = (language: Language, limits: { maxFileBytes: number; maxMessageBytes: number }): string => {
  const [file, message] = [fileSizeLimitText(limits.maxFileBytes, language), fileSizeLimitText(limits.maxMessageBytes, language)];
  return language === 'ru'
    ? `Каждый файл может быть не больше ${file}, а все файлы одного письма вместе — не больше ${message}.`
    : `Each file may be up to ${file}, and all the files of one mail together up to ${message}.`;
};

/**
 * P8: attachments of the requester's mail were not accepted: which, why, and how to send them (the
 * rules: JPG, GIF, PNG; BMP only inside ZIP or RAR; links in the text). `files` as
 * `ticket.attachments_refused` names them (docs/adr/0035, addendum of 2026-12-04, sixth session).
 * `limits`, the size limits the event says the files were held to, are named with the rules
 * (docs/adr/0025, addendum of 2026-12-05, sixth session); an older intake's event says none.
 */
export const attachmentsRefusedMail = (ctx: TicketMailContext, files: readonly RefusedAttachment[], limits?: { maxFileBytes: number; maxMessageBytes: number }): RenderedMail =>
  mail(ctx, SUBJECT_LEADS.attachmentsRefused, [
    {
      paragraph: pick(ctx, {
        en: `We received your message on request ${ctx.reference}, but could not accept these attachments:`,
        ru: `Мы получили ваше сообщение по обращению ${ctx.reference}, но не смогли принять эти вложения:`,
      }),
    },
    { list: files.map((f) => `${f.fileName}: ${attachmentRefusalText(f, ctx.language)}`) },
    {
      paragraph: pick(ctx, {
        en: 'We accept JPG, GIF and PNG images. A BMP image is accepted only inside a ZIP or RAR archive; archives must not be password-protected. For anything else (logs, videos, large files), put a link to it in the text of your message.',
        ru: 'Мы принимаем изображения JPG, GIF и PNG. Изображение BMP принимается только внутри архива ZIP или RAR; архив не должен быть защищён паролем. Для других файлов (журналы, видео, большие файлы) поместите ссылку на них в текст сообщения.',
      }),
    },
    ...(limits ? [{ paragraph: attachmentSizeLimitsSentence(ctx.language, limits) }] : []),
    {
      paragraph: pick(ctx, {
        en: 'To send them, reply to this message with the files attached that way, or add them on the support site.',
        ru: 'Чтобы отправить их, ответьте на это письмо, приложив файлы в таком виде, или добавьте их на сайте поддержки.',
      }),
    },
  ]);
