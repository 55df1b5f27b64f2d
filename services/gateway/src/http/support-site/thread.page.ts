import { fileSizeText, outOfScopeReasonText, thirdPartyText, vaultMarksIn, waitReasonText } from '@tss/contracts';
import type { AttachmentSizeLimits } from '@tss/service-kit';
import {
  fileField,
  html,
  linkedText,
  postForm,
  rateFormControls,
  ratingFormText,
  renderPage,
  scoreText,
  solvedText,
  submitButton,
  textArea,
  type FieldError,
  type Html,
  type Language,
  type RateFormError,
  type RateFormValues,
} from '@tss/web-pages';
import { attachmentLimitsText } from './attachment-limits-text';
import { REOPENABLE, type SiteClockView, type SiteMessageView, type TicketPage } from '../../use-cases/site-ticket';
import { durationText, formatInstant, levelText, siteText, statusText } from './site-strings';

export interface ThreadPageInput {
  language: Language;
  stylesheetHref: string;
  /** The link's path, `/support/t/<token>`: every form and download is under it. */
  basePath: string;
  page: TicketPage;
  csrf: { reply: string; reopen: string; rate: string };
  /**
   * The link was minted by a staff member (docs/adr/0037, fifth session): what it does is theirs, in
   * the requester's name, and a rating is the requester's own (docs/adr/0040): the page offers no form.
   */
  mintedByStaff?: boolean;
  /** The rating form as it was sent, and its problems, to show it again after a refusal. */
  rateForm?: { values?: RateFormValues; errors?: readonly RateFormError[] };
  notice?: string;
  errors?: readonly FieldError[];
  /** The reply text to show again after a refusal. */
  replyText?: string;
  /** P8: intake's size limits (ATTACHMENT_MAX_FILE_BYTES, ATTACHMENT_MAX_MESSAGE_BYTES), named in the file field's hint. */
  attachmentLimits?: AttachmentSizeLimits;
  /** The "not solved" reason to show again after a refusal. */
  reopenText?: string;
}


/**
 * A text as the page shows it: intake's P9 vault marks in the page's language (`vaultMarksIn`: the
 * subject's as the description's, docs/adr/0026, sixth session), web addresses as links (P8).
 */
const messageText = (language: Language, text: string): Html => linkedText(vaultMarksIn(text, language));

// What a requester or agent wrote (subject, messages, names, file names) carries dir="auto": an
// Arabic or Hebrew text reads right to left, isolated from the page's own direction.

/**
 * P2: the request's description, or, for a request mailed with none (no text, or no words of its
 * own), what is missing and how to give it: the requester's next reply becomes it (docs/adr/0035,
 * addenda of 2026-12-05, fifth and sixth sessions). A closed request takes no replies.
 */
const descriptionParagraph = (lang: Language, description: string, closed: boolean): Html => {
  if (description.trim() !== '') return html`<p class="message-body" dir="auto">${messageText(lang, description)}</p>`;
  if (closed) return html`<p class="description-missing">${siteText(lang, 'descriptionNoneClosed')}</p>`;
  const [before, after = ''] = siteText(lang, 'descriptionNone').split('{reply}');
  return html`<p class="description-missing">${before}<a href="#reply-heading">${siteText(lang, 'descriptionNoneReply')}</a>${after}</p>`;
};

/**
 * P11: the rating of the ticket's latest resolution, for a resolved or closed ticket: the form (the
 * rate page's fields and words) while its survey is open, what was given once it is rated. Nothing
 * when rating could not say, or the survey is past (expired, withdrawn by a reopening).
 */
const ratingSection = (input: ThreadPageInput, messageText: (text: string) => Html): Html | string => {
  const { language: lang, page, basePath } = input;
  const survey = page.rating;
  if (!REOPENABLE.has(page.ticket.status) || !survey) return '';
  const section = (heading: string, content: Html) => html`<section class="rating" aria-labelledby="rating-heading">
<h2 id="rating-heading">${heading}</h2>
${content}
</section>`;
  if (survey.state === 'rated' && survey.rating) {
    const given = survey.rating;
    return section(
      siteText(lang, 'ratingGivenHeading'),
      html`<p>${siteText(lang, 'ratingGiven')}</p>
<dl class="facts">
<dt>${ratingFormText(lang, 'scoreLegend')}</dt><dd>${scoreText(lang, given.score)}</dd>
<dt>${ratingFormText(lang, 'solvedLegend')}</dt><dd>${solvedText(lang, given.solved)}</dd>
${given.comment ? html`<dt>${ratingFormText(lang, 'commentLabel')}</dt><dd dir="auto">${messageText(given.comment)}</dd>` : ''}
</dl>`,
    );
  }
  if (survey.state !== 'open') return '';
  if (input.mintedByStaff) return section(ratingFormText(lang, 'title'), html`<p>${siteText(lang, 'ratingStaffLink')}</p>`);
  return section(
    ratingFormText(lang, 'title'),
    html`<p>${ratingFormText(lang, 'intro')}</p>
${postForm(
  { action: `${basePath}/rate`, csrfToken: input.csrf.rate, label: ratingFormText(lang, 'title') },
  ...rateFormControls(lang, input.rateForm ?? {}),
  submitButton(ratingFormText(lang, 'submit')),
)}`,
  );
};

/**
 * The ticket page: facts (a closure's reason, P6), what support asked while it waits (P10), the
 * request, the public thread in order with downloads, the rating once resolved (P11), a reply form
 * unless closed, and "not solved" once resolved.
 */
/** The reply form's file hint: the types, then the size limits when the page knows them (P8). */
const replyFilesHint = (language: Language, limits: AttachmentSizeLimits | undefined): string =>
  limits ? `${siteText(language, 'replyFilesHint')} ${attachmentLimitsText(language, limits)}` : siteText(language, 'replyFilesHint');

export const renderThreadPage = (input: ThreadPageInput): string => {
  const { language: lang, page, basePath } = input;
  const t = page.ticket;
  const fieldErrorOf = (id: string) => input.errors?.find((e) => e.fieldId === id)?.message;
  // Mail from another address is not "You": the requester sees who sent it (docs/adr/0035); nor are
  // words support wrote in their name through a staff member's link (docs/adr/0037, fifth session).
  const author = (kind: SiteMessageView['author']['kind'], name?: string) =>
    kind === 'requester'
      ? siteText(lang, 'authorRequester')
      : kind === 'staff'
        ? siteText(lang, 'authorStaffOnBehalf')
      : kind === 'agent'
        ? (name ?? siteText(lang, 'authorAgent'))
        : kind === 'email_sender'
          ? siteText(lang, 'authorEmailSender', { address: name ?? '?' })
          : siteText(lang, 'authorSystem');
  const attachmentList = (ids: readonly string[]): Html =>
    html`<ul class="attachments" aria-label="${siteText(lang, 'attachments')}">${ids.map((id) => {
      const a = page.attachments.get(id);
      return html`<li><a href="${basePath}/attachments/${id}" download dir="auto">${a?.fileName ?? id}</a>${a ? html` (${fileSizeText(a.size, lang)})` : ''}</li>`;
    })}</ul>`;
  // Files sent with the request, before any message named them.
  const requestFiles = [...page.attachments.values()].filter((a) => a.messageId === null).map((a) => a.id);
  const messages: Html[] = page.thread.items.map(
    (m) => html`<li class="message" id="m-${m.id}">
<p class="message-meta"><strong dir="auto">${author(m.author.kind, m.author.name)}</strong>, <time datetime="${m.createdAt}">${formatInstant(lang, m.createdAt)}</time></p>
<p class="message-body" dir="auto">${messageText(lang, m.body)}</p>
${m.attachmentIds.length > 0 ? attachmentList(m.attachmentIds) : ''}
</li>`,
  );
  // P5: the response time the partner's agreement gives this level, from the ticket's own clock
  // (sla-timer), never the default table; the open clock's due time when a response is owed.
  const clocks = page.clocks ?? [];
  const openClock = clocks.find((c) => c.open);
  const levelClock = openClock ?? [...clocks].reverse().find((c) => c.level === t.level);
  // A target counted in business hours (the agreement's calendar) ends later than its length after the start.
  // A clock due by the rules' maximum instead carries that maximum as its target, in calendar time (docs/adr/0031, sixth session).
  const inBusinessHours = (c: SiteClockView) => Date.parse(c.dueAt) - Date.parse(c.startedAt) !== c.targetMs;
  const levelFact =
    levelClock && levelClock.level === t.level
      ? siteText(lang, inBusinessHours(levelClock) ? 'levelWithinBusiness' : 'levelWithin', { level: levelText(lang, t.level), duration: durationText(lang, levelClock.targetMs) })
      : levelText(lang, t.level);
  // P6: a ticket closed as out of scope says why, and whom to turn to, in the catalogue's words.
  const closedBecause = t.status === 'closed' && t.closure ? outOfScopeReasonText(t.closure.reason, lang) : undefined;
  const turnTo = closedBecause && t.closure?.thirdParty ? thirdPartyText(t.closure.thirdParty, lang) : undefined;
  const closureFacts: Html | string = closedBecause
    ? html`<dt>${siteText(lang, 'closedReason')}</dt><dd>${siteText(lang, 'closedOutOfScope', { reason: closedBecause })}</dd>
${turnTo ? html`<dt>${siteText(lang, 'closedThirdParty')}</dt><dd>${turnTo}</dd>` : ''}`
    : '';
  // P10: while the ticket waits on the requester, what support asked comes first: the mail that
  // carried it may never have reached them (P12). The question is an agent's words, shown as a reply is.
  const asked =
    t.status === 'awaiting_customer' && t.awaiting
      ? html`<section class="awaiting" aria-labelledby="awaiting-heading">
<h2 id="awaiting-heading">${siteText(lang, 'awaitingHeading')}</h2>
<p>${waitReasonText(t.awaiting.reason, lang)}</p>
${t.awaiting.question ? html`<p class="message-body question" dir="auto">${messageText(lang, t.awaiting.question)}</p>` : ''}
<p><a href="#reply-heading">${siteText(lang, 'awaitingAnswer')}</a></p>
</section>`
      : '';
  const body = html`<dl class="facts">
<dt>${siteText(lang, 'reference')}</dt><dd class="reference">${t.reference}</dd>
<dt>${siteText(lang, 'status')}</dt><dd>${statusText(lang, t.status)}</dd>
<dt>${siteText(lang, 'level')}</dt><dd>${levelFact}</dd>
${openClock ? html`<dt>${siteText(lang, 'responseDue')}</dt><dd><time datetime="${openClock.dueAt}">${formatInstant(lang, openClock.dueAt)}</time></dd>` : ''}
<dt>${siteText(lang, 'subject')}</dt><dd dir="auto">${vaultMarksIn(t.subject, lang)}</dd>
<dt>${siteText(lang, 'receivedAt')}</dt><dd><time datetime="${t.receivedAt}">${formatInstant(lang, t.receivedAt)}</time></dd>
${closureFacts}
</dl>
${asked}
<h2>${siteText(lang, 'yourDescription')}</h2>
${descriptionParagraph(lang, page.thread.request.description, t.status === 'closed')}
${page.thread.request.stepsToReproduce ? html`<p class="message-body" dir="auto">${messageText(lang, page.thread.request.stepsToReproduce)}</p>` : ''}
${requestFiles.length > 0 ? attachmentList(requestFiles) : ''}
<h2>${siteText(lang, 'threadHeading')}</h2>
${messages.length > 0 ? html`<ol class="thread">${messages}</ol>` : html`<p>${siteText(lang, 'noMessages')}</p>`}
${ratingSection(input, (text) => messageText(lang, text))}
${
  // A closed ticket takes no replies (intake refuses them): "not solved" below opens a linked request instead.
  t.status === 'closed'
    ? html`<p>${siteText(lang, 'closedNoReplies')}</p>`
    : html`<h2 id="reply-heading">${siteText(lang, 'replyHeading')}</h2>
${postForm(
  { action: `${basePath}/reply`, csrfToken: input.csrf.reply, multipart: true, label: siteText(lang, 'replyHeading') },
  textArea({ id: 'text', label: siteText(lang, 'replyText'), language: lang, required: true, hint: siteText(lang, 'replyHint'), error: fieldErrorOf('text'), value: input.replyText, rows: 8 }),
  fileField({ id: 'files', name: 'file', label: siteText(lang, 'replyFiles'), language: lang, multiple: true, hint: replyFilesHint(lang, input.attachmentLimits), error: fieldErrorOf('files'), accept: 'image/jpeg,image/gif,image/png,.zip,.rar' }),
  submitButton(siteText(lang, 'replySend')),
)}`
}
${
  // P11: once a follow-up was filed, "not solved" would file another: the page names it instead.
  page.followUps.length > 0
    ? html`<h2>${siteText(lang, 'followUpsHeading')}</h2>
<ul class="follow-ups">${page.followUps.map((f) => html`<li>${siteText(lang, 'followUpItem')} <a class="follow-up-link" href="${f.url}">${f.reference}</a></li>`)}</ul>`
    : REOPENABLE.has(t.status)
    ? html`<h2>${siteText(lang, 'reopenHeading')}</h2>
<p>${siteText(lang, 'reopenHint')}</p>
${postForm(
  { action: `${basePath}/reopen`, csrfToken: input.csrf.reopen, label: siteText(lang, 'reopenHeading') },
  textArea({ id: 'reason', label: siteText(lang, 'reopenReason'), language: lang, error: fieldErrorOf('reason'), value: input.reopenText, rows: 4 }),
  submitButton(siteText(lang, 'reopenSend'), { secondary: true }),
)}`
    : ''
}`;
  return renderPage({
    language: lang,
    title: siteText(lang, 'ticketTitle', { reference: t.reference }),
    stylesheetHref: input.stylesheetHref,
    body,
    notice: input.notice,
    errors: input.errors,
    // This page's address is the link's: whoever has it opens the request.
    addressOpensRequest: true,
  });
};
