import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isStorableText } from '@tss/contracts';
import { FAILURES, isTextPart, multipartFileNameOf, readTextPart, type Failure, type SiteLinkGrant } from '@tss/service-kit';
import {
  CSRF_FIELD,
  PostedForm,
  RATE_FORM_FIELD_IDS,
  rateFormFieldErrors,
  ratingFormText,
  readRateForm,
  redirectAfterPost,
  sendPage,
  type CsrfVerdict,
  type FieldError,
  type FormFieldProblem,
  type Language,
  type RateFormError,
  type RateFormValues,
} from '@tss/web-pages';
import { rateOnSite } from '../../use-cases/site-rating';
import { downloadOnSite, readTicketPage, reopenOnSite, replyOnSite, type SiteUpload, type TicketPage } from '../../use-cases/site-ticket';
import { isVisitor, openSiteLink, type SiteSession } from '../../use-cases/site-session';
import { fileRefusalText, reopenRefusalText, replyTooLargeText } from './intake-refusal-text';
import { renderThreadPage } from './thread.page';
import { siteText } from './site-strings';
import { idempotencyKeyOf, languageOf, sendFailurePage, sendPlainPage, type SitePageContext } from './site-page-context';

/**
 * Bounds of what the gateway reads of a reply form; intake's own limits are the rule (P8). A text
 * field may take intake's longest message (50,000 characters) in any script: up to 4 bytes each.
 */
export const SITE_REPLY_LIMITS = { maxFiles: 20, maxFileBytes: 25 * 1_048_576, maxFields: 10, maxFieldBytes: 200_000, maxTextCharacters: 50_000 } as const;

/** A read reply form: its fields (or their problems), its files, and whether it was over a limit or not a readable body at all. */
interface ReadReplyForm {
  form: PostedForm;
  files: SiteUpload[];
  tooLarge: boolean;
  malformed: boolean;
}

/**
 * The page's notice after a Post/Redirect/Get, read leniently: a query the site did not write
 * (a value repeated, too long, unknown) shows no notice, never a refusal (docs/support-site.md).
 */
const doneQueryOf = (query: unknown): { done?: string; ref?: string } => {
  const values = (query ?? {}) as Record<string, unknown>;
  const one = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  return { done: one('done'), ref: one('ref') };
};

const PAGE = { config: { public: true }, schema: { hide: true } } as const;
const REFERENCE = /^TSS-[A-Z0-9-]{5,30}$/;

/** A page's notice: its words, or words that need what the page read (the ticket's reference). */
type Notice = string | ((page: TicketPage) => string | undefined);

/** P11: thanks for a rating, in the rate page's words, naming the request. */
const thanksFor = (language: Language, solved: boolean): Notice => (page) =>
  `${ratingFormText(language, 'thanksTitle')}. ${ratingFormText(language, solved ? 'thanksSolved' : 'thanksNotSolved', { reference: page.ticket.reference })}`;

/**
 * The notice after a Post/Redirect/Get, as true as the page can make it: mail is promised only to a
 * requester who can get it (a visitor who gave no address cannot), and a reply that left the ticket
 * resolved (its reopen window over) says so.
 */
const noticeOf = (language: Language, query: { done?: string; ref?: string }, grant: SiteLinkGrant): Notice | undefined => {
  if (query.done === 'rated') return thanksFor(language, true);
  if (query.done === 'rated-not-solved') return thanksFor(language, false);
  if (query.done === 'rating-received') return siteText(language, 'ratingReceived');
  if (query.done === 'reply') return siteText(language, isVisitor(grant.requester) ? 'replySentHere' : 'replySent');
  if (query.done === 'reply-received') return siteText(language, 'replyReceived');
  if (query.done === 'comment') return siteText(language, 'replyAddedResolved');
  if (query.done === 'reopened') return siteText(language, 'reopened');
  if (query.done === 'received') return siteText(language, 'reopenReceived');
  if (query.done === 'followup' && query.ref && REFERENCE.test(query.ref)) return siteText(language, 'followUp', { reference: query.ref });
  return undefined;
};

/** Which field a refused reply's problem belongs to: its files when it is about them (intake names the file or the limit), else its text. */
const replyFieldOf = (failure: Failure, hadFiles: boolean): 'text' | 'files' => {
  const extensions = failure.extensions ?? {};
  const aboutFiles = failure.kind === 'payload_too_large' || failure.kind === 'unsupported_media_type' || 'file' in extensions || 'reason' in extensions;
  return hadFiles && aboutFiles ? 'files' : 'text';
};

/**
 * What follows `/support/t/`: the link's token, then the page's action. The routes take it whole
 * (`/support/t/*`): a token (≈300 characters, more for a long mail address) is longer than the
 * router's path parameters may be.
 */
type LinkTarget = { token: string; action: 'page' | 'reply' | 'reopen' | 'rate' } | { token: string; action: 'attachment'; attachmentId: string };

const LINK_TARGET = /^([A-Za-z0-9._-]{1,2048})(?:\/(reply|reopen|rate)|\/attachments\/([A-Za-z0-9-]{1,64}))?\/?$/;

const linkTargetOf = (rest: string): LinkTarget | undefined => {
  const match = LINK_TARGET.exec(rest);
  if (!match) return undefined;
  const [, token, action, attachmentId] = match;
  if (attachmentId) return { token, action: 'attachment', attachmentId };
  return { token, action: action === 'reply' || action === 'reopen' || action === 'rate' ? action : 'page' };
};

/**
 * The link token a `/support/t/…` address names, as sent (query left out), whatever the action; for
 * a refusal the edge makes before any route reads the link (a body limit, a parser, the deadline).
 */
export const linkTokenOfPath = (url: string): string | undefined => {
  const path = url.split('?')[0];
  if (!path.startsWith('/support/t/')) return undefined;
  return linkTargetOf(path.slice('/support/t/'.length))?.token;
};

/**
 * `/support/t/{token}` (issue #13): the ticket of a signed link, its public thread, reply and
 * "not solved". A bad link is a plain 404 or 410 page and records nothing; so is a form whose CSRF
 * token is missing or wrong (403). Every read and write goes to intake as the link's requester.
 */
export const ticketPageRoutes = (context: SitePageContext) => async (app: FastifyInstance) => {
  const { deps, csrf } = context;
  const basePathOf = (token: string) => `/support/t/${token}`;

  const open = async (request: FastifyRequest, reply: FastifyReply, token: string): Promise<SiteSession | undefined> => {
    const session = await openSiteLink(deps, token);
    if (session.ok) return session.value;
    const { refusal, language } = session.error;
    const kind = refusal === 'expired' ? 'gone' : refusal === 'revoked' ? 'revoked' : 'notFound';
    // A link whose signature holds is in its own language (the ticket's), as its live page is; any other in the browser's.
    sendPlainPage(context, reply, kind, languageOf(request, language));
    return undefined;
  };

  const showTicket = async (
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    session: SiteSession,
    extra: { status?: number; notice?: Notice; errors?: FieldError[]; replyText?: string; reopenText?: string; rateForm?: { values: RateFormValues; errors: RateFormError[] } } = {},
  ) => {
    const language = languageOf(request, session.grant.language);
    const page = await readTicketPage(deps, session);
    if (!page.ok) return sendFailurePage(context, reply, page.error, language);
    const now = deps.clock.now();
    const binding = `link:${session.grant.linkId}`;
    return sendPage(
      reply,
      extra.status ?? 200,
      renderThreadPage({
        language,
        stylesheetHref: context.stylesheetHref,
        basePath: basePathOf(token),
        page: page.value,
        csrf: { reply: csrf.issue({ form: 'reply', binding }, now), reopen: csrf.issue({ form: 'reopen', binding }, now), rate: csrf.issue({ form: 'rate', binding }, now) },
        mintedByStaff: session.grant.mintedBy?.kind === 'staff',
        notice: typeof extra.notice === 'function' ? extra.notice(page.value) : extra.notice,
        errors: extra.errors,
        replyText: extra.replyText,
        attachmentLimits: deps.attachmentLimits,
        ...(extra.rateForm ? { rateForm: extra.rateForm } : {}),
        reopenText: extra.reopenText,
      }),
    );
  };

  /**
   * A form's CSRF token: good, stale (ours, but the page was open longer than a form lasts: the form
   * comes back with what was typed and a fresh token, WCAG 2.2.1), or refused (the 403 page).
   */
  const csrfVerdictOf = (session: SiteSession, form: string, token: unknown): CsrfVerdict =>
    csrf.judge({ form, binding: `link:${session.grant.linkId}` }, token, deps.clock.now());

  /**
   * The form's fields (multipart or urlencoded) and files, read whole (bounded) before anything is
   * judged. Multipart text fields are decoded strictly as the urlencoded reader does (STREAM_EVERY_PART):
   * a field that is not UTF-8, not storable or sent twice is `unreadable`; a body that is not
   * well-formed multipart (no boundary, cut short) is `malformed`, the form's error, never a 500.
   */
  const readForm = async (request: FastifyRequest): Promise<ReadReplyForm> => {
    if (!request.isMultipart()) {
      return { form: request.body instanceof PostedForm ? request.body : PostedForm.empty(), files: [], tooLarge: false, malformed: false };
    }
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    const problems: Record<string, FormFieldProblem> = Object.create(null) as Record<string, FormFieldProblem>;
    const files: SiteUpload[] = [];
    let textFields = 0;
    let tooLarge = false;
    let malformed = false;
    try {
      for await (const part of request.parts()) {
        // Never with STREAM_EVERY_PART; a decoded field could not be judged as sent.
        if (part.type === 'field') continue;
        if (isTextPart(part)) {
          textFields += 1;
          if (textFields > SITE_REPLY_LIMITS.maxFields) {
            tooLarge = true;
            break;
          }
          const text = await readTextPart(part.file, SITE_REPLY_LIMITS.maxFieldBytes);
          if (!text.ok && text.error === 'too_large') {
            problems[part.fieldname] = 'too_long';
            delete fields[part.fieldname];
            break;
          }
          if (!text.ok || !isStorableText(text.value) || Object.hasOwn(fields, part.fieldname) || Object.hasOwn(problems, part.fieldname)) {
            problems[part.fieldname] = 'unreadable';
            delete fields[part.fieldname];
            continue;
          }
          fields[part.fieldname] = text.value;
          continue;
        }
        if (files.length >= SITE_REPLY_LIMITS.maxFiles) {
          tooLarge = true;
          break;
        }
        const bytes = await part.toBuffer();
        if (part.file.truncated) tooLarge = true;
        // The name as the browser meant it (WHATWG's %22, %0D, %0A decoded): the form sent on to
        // intake encodes it again itself, so it is encoded once on the way, never twice.
        else if (part.filename !== '' || bytes.length > 0) files.push({ fileName: multipartFileNameOf(part.filename), contentType: part.mimetype, bytes });
      }
    } catch (error) {
      const { FilesLimitError, FieldsLimitError, PartsLimitError } = app.multipartErrors;
      // More files, fields or parts than the site reads: the form's 413.
      if (error instanceof FilesLimitError || error instanceof FieldsLimitError || error instanceof PartsLimitError) tooLarge = true;
      // Anything else busboy refuses (no boundary, a wrong one, a body cut short) is a body that cannot be read.
      else malformed = true;
    }
    if (tooLarge || malformed || Object.values(problems).includes('too_long')) {
      // Stops reading a refused body: busboy lets go of it and what is left is read and dropped.
      request.raw.unpipe();
      request.raw.resume();
    }
    return { form: new PostedForm(fields, problems), files, tooLarge, malformed };
  };

  /** The page's words for a field the form's reader did not take. */
  const fieldProblemText = (language: Language, problem: FormFieldProblem): string =>
    problem === 'too_long' ? siteText(language, 'tooLong', { max: SITE_REPLY_LIMITS.maxTextCharacters }) : siteText(language, 'unreadable');

  const postReply = async (request: FastifyRequest, reply: FastifyReply, token: string, session: SiteSession) => {
    const language = languageOf(request, session.grant.language);
    const { form, files, tooLarge, malformed } = await readForm(request);
    // An upload past its deadline (single process) was answered 408 while its body was read.
    if (reply.sent) return reply;
    if (malformed) return showTicket(request, reply, token, session, { status: 400, errors: [{ fieldId: 'text', message: siteText(language, 'formUnreadable') }] });
    const { fields, problems } = form;
    const text = (fields.text ?? '').trim();
    const verdict = csrfVerdictOf(session, 'reply', fields[CSRF_FIELD]);
    if (verdict === 'refused') return sendPlainPage(context, reply, 'forbidden', language);
    if (verdict === 'stale') {
      // Nothing is sent: the form again with the text as typed; files a browser cannot put back are asked for again.
      const errors = [{ fieldId: 'text', message: siteText(language, 'staleReply') }, ...(files.length > 0 ? [{ fieldId: 'files', message: siteText(language, 'staleFiles') }] : [])];
      return showTicket(request, reply, token, session, { status: 400, errors, replyText: text });
    }
    if (tooLarge) {
      const message = replyTooLargeText(language, SITE_REPLY_LIMITS);
      return showTicket(request, reply, token, session, { status: 413, errors: [{ fieldId: 'files', message }], replyText: text });
    }
    if (problems.text) return showTicket(request, reply, token, session, { status: 400, errors: [{ fieldId: 'text', message: fieldProblemText(language, problems.text) }] });
    if (text === '') return showTicket(request, reply, token, session, { status: 400, errors: [{ fieldId: 'text', message: siteText(language, 'replyEmpty') }] });
    if (text.length > SITE_REPLY_LIMITS.maxTextCharacters) {
      return showTicket(request, reply, token, session, { status: 400, errors: [{ fieldId: 'text', message: fieldProblemText(language, 'too_long') }], replyText: text });
    }
    const posted = await replyOnSite(deps, session, {
      text,
      files,
      idempotencyKey: idempotencyKeyOf(session.grant.linkId, fields[CSRF_FIELD], text, ...files.map((f) => f.bytes)),
    });
    if (!posted.ok) {
      const failure = posted.error;
      if (failure.kind === 'not_found') return sendPlainPage(context, reply, 'notFound', language);
      if (failure.kind === 'rate_limited') return sendFailurePage(context, reply, failure, language);
      // The same form's first post is still at work (a double click): its text lands once, and a
      // "send it again" here would post it a second time under a new form's key.
      if (failure.kind === 'idempotency_in_flight') return redirectAfterPost(reply, `${basePathOf(token)}?done=reply-received#main`);
      // Intake's refusal in the page's words: a refused file by its name and what was wrong, text in general terms.
      const field = replyFieldOf(failure, files.length > 0);
      const message =
        field === 'files' ? fileRefusalText(language, failure) : siteText(language, failure.kind === 'invalid_transition' ? 'closedNoReplies' : 'notAccepted');
      return showTicket(request, reply, token, session, { status: FAILURES[failure.kind].status, errors: [{ fieldId: field, message }], replyText: text });
    }
    return redirectAfterPost(reply, `${basePathOf(token)}?done=${posted.value.ticketStatus === 'resolved' ? 'comment' : 'reply'}#main`);
  };

  const postReopen = async (request: FastifyRequest, reply: FastifyReply, token: string, session: SiteSession) => {
    const language = languageOf(request, session.grant.language);
    const { form, malformed } = await readForm(request);
    if (malformed) return showTicket(request, reply, token, session, { status: 400, errors: [{ fieldId: 'reason', message: siteText(language, 'formUnreadable') }] });
    const { fields, problems } = form;
    const verdict = csrfVerdictOf(session, 'reopen', fields[CSRF_FIELD]);
    if (verdict === 'refused') return sendPlainPage(context, reply, 'forbidden', language);
    if (problems.reason) return showTicket(request, reply, token, session, { status: 400, errors: [{ fieldId: 'reason', message: siteText(language, 'unreadable') }] });
    const reason = (fields.reason ?? '').trim();
    // Nothing is reopened: the form again with the reason as typed.
    if (verdict === 'stale') return showTicket(request, reply, token, session, { status: 400, errors: [{ fieldId: 'reason', message: siteText(language, 'staleReopen') }], reopenText: reason });
    // One form reopens (or files a follow-up) once: a repeat of it is the same request (docs/adr/0037, addendum).
    const idempotencyKey = idempotencyKeyOf(session.grant.linkId, 'reopen', fields[CSRF_FIELD], reason);
    const reopened = await reopenOnSite(deps, session, { ...(reason === '' ? {} : { reason }), idempotencyKey });
    if (!reopened.ok) {
      const failure = reopened.error;
      if (failure.kind === 'not_found') return sendPlainPage(context, reply, 'notFound', language);
      if (failure.kind === 'rate_limited') return sendFailurePage(context, reply, failure, language);
      // The same form's first post is still at work (a double click): its outcome is on the page shortly.
      if (failure.kind === 'idempotency_in_flight') return redirectAfterPost(reply, `${basePathOf(token)}?done=received#main`);
      return showTicket(request, reply, token, session, { status: FAILURES[failure.kind].status, errors: [{ fieldId: 'reason', message: reopenRefusalText(language, failure) }] });
    }
    const followUp = reopened.value.followUp;
    return redirectAfterPost(reply, `${basePathOf(token)}?${followUp ? `done=followup&ref=${encodeURIComponent(followUp.reference)}` : 'done=reopened'}#main`);
  };

  /**
   * P11: the requester's rating of the ticket's latest resolution, posted to rating as the link's
   * requester (docs/adr/0040, seventh session). Bad input is the page again with the form's errors
   * (400), nothing sent; rating's refusals are the page with a notice saying why; one form rates once.
   */
  const postRate = async (request: FastifyRequest, reply: FastifyReply, token: string, session: SiteSession) => {
    const language = languageOf(request, session.grant.language);
    const { form, malformed } = await readForm(request);
    if (malformed) return showTicket(request, reply, token, session, { status: 400, errors: [{ fieldId: 'score-0', message: siteText(language, 'formUnreadable') }] });
    const { fields, problems } = form;
    const verdict = csrfVerdictOf(session, 'rate', fields[CSRF_FIELD]);
    if (verdict === 'refused') return sendPlainPage(context, reply, 'forbidden', language);
    const read = readRateForm(fields, problems);
    if (verdict === 'stale') {
      // Nothing is rated: the form again with the choices as made (WCAG 2.2.1, docs/adr/0045).
      const rateForm = read.ok ? { values: { ...read.value, comment: read.value.comment ?? '' }, errors: [] } : read.error;
      const errors = [{ fieldId: RATE_FORM_FIELD_IDS.score, message: ratingFormText(language, 'staleRating') }, ...rateFormFieldErrors(language, rateForm.errors)];
      return showTicket(request, reply, token, session, { status: 400, errors, rateForm });
    }
    if (!read.ok) return showTicket(request, reply, token, session, { status: 400, errors: rateFormFieldErrors(language, read.error.errors), rateForm: read.error });
    const answer = read.value;
    // One form rates once: a repeat of it (a double click, a reload) is rating's first answer (docs/adr/0028).
    const idempotencyKey = idempotencyKeyOf(session.grant.linkId, 'rate', fields[CSRF_FIELD], String(answer.score), String(answer.solved), answer.comment ?? '');
    const rated = await rateOnSite(deps, session, { answer, idempotencyKey });
    if (rated.ok) return redirectAfterPost(reply, `${basePathOf(token)}?done=${rated.value.solved ? 'rated' : 'rated-not-solved'}#main`);
    const failure = rated.error;
    const showWith = (status: number, notice: Notice) => showTicket(request, reply, token, session, { status, notice });
    switch (failure.kind) {
      case 'not_found':
      case 'unknown_ticket':
        return sendPlainPage(context, reply, 'notFound', language);
      case 'rate_limited':
        return sendFailurePage(context, reply, failure, language);
      // The same form's first post is still at work: its rating is on the page shortly.
      case 'idempotency_in_flight':
        return redirectAfterPost(reply, `${basePathOf(token)}?done=rating-received#main`);
      // A link a staff member minted (docs/adr/0037, fifth session): rating refuses it, and so does the page.
      case 'forbidden':
        return showWith(403, siteText(language, 'ratingStaffRefused'));
      // Rated since the page was shown (another tab, the mailed link), or reopened meanwhile: the page says which.
      case 'conflict':
      case 'invalid_transition':
        return showWith(409, (page) => siteText(language, page.rating?.state === 'rated' ? 'ratingAlready' : 'ratingNotResolved'));
      case 'gone':
        return showWith(410, siteText(language, 'ratingExpired'));
      default:
        return showTicket(request, reply, token, session, { status: FAILURES[failure.kind].status, errors: [{ fieldId: 'score-0', message: siteText(language, 'notAccepted') }], rateForm: { values: { ...answer, comment: answer.comment ?? '' }, errors: [] } });
    }
  };

  const download = async (request: FastifyRequest, reply: FastifyReply, session: SiteSession, attachmentId: string) => {
    const downloaded = await downloadOnSite(deps, session, attachmentId);
    if (!downloaded.ok) return sendPlainPage(context, reply, 'notFound', languageOf(request, session.grant.language));
    for (const name of ['content-type', 'content-length', 'content-disposition']) if (downloaded.value.headers[name]) reply.header(name, downloaded.value.headers[name]);
    // Never rendered in a page of ours: a download, with the pages' protections.
    return reply
      .headers({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-security-policy': "default-src 'none'; sandbox" })
      .send(downloaded.value.body);
  };

  /** The link's target, and its session; a refusal page is sent when either is bad. */
  const enter = async (request: FastifyRequest, reply: FastifyReply, rest: string): Promise<{ target: LinkTarget; session: SiteSession } | undefined> => {
    const target = linkTargetOf(rest);
    if (!target) {
      sendPlainPage(context, reply, 'notFound', languageOf(request));
      return undefined;
    }
    const session = await open(request, reply, target.token);
    return session && { target, session };
  };

  // No params or querystring schema: whatever follows `/support/t/` is judged here, and a link that
  // opens nothing is the 404 page, never a 400 problem (docs/support-site.md).
  app.get<{ Params: { '*': string } }>('/support/t/*', PAGE, async (request, reply) => {
    const entered = await enter(request, reply, request.params['*']);
    if (!entered) return reply;
    const { target, session } = entered;
    if (target.action === 'attachment') return download(request, reply, session, target.attachmentId);
    if (target.action !== 'page') return sendPlainPage(context, reply, 'notFound', languageOf(request, session.grant.language));
    return showTicket(request, reply, target.token, session, { notice: noticeOf(languageOf(request, session.grant.language), doneQueryOf(request.query), session.grant) });
  });

  /** The form a POST sends (reply, reopen, rate) on its link, or the page that refuses either (already sent). */
  const enterForm = async (request: FastifyRequest, reply: FastifyReply): Promise<{ target: { token: string; action: 'reply' | 'reopen' | 'rate' }; session: SiteSession } | undefined> => {
    const entered = await enter(request, reply, (request.params as { '*': string })['*']);
    if (!entered) return undefined;
    const { target, session } = entered;
    if (target.action === 'page' || target.action === 'attachment') {
      sendPlainPage(context, reply, 'notFound', languageOf(request, session.grant.language));
      return undefined;
    }
    return { target: { token: target.token, action: target.action }, session };
  };
  // A link that opens nothing is its refusal page with or without If-Match or If-None-Match (RFC
  // 9110 §13.2.1): the app's precondition hook asks here before it answers a failing condition.
  const POSTED = { config: { public: true, preconditions: { refusedFirst: async (request: FastifyRequest, reply: FastifyReply) => ((await enterForm(request, reply)) ? undefined : reply) } }, schema: { hide: true } };

  app.post<{ Params: { '*': string } }>('/support/t/*', POSTED, async (request, reply) => {
    const entered = await enterForm(request, reply);
    if (!entered) return reply;
    const { target, session } = entered;
    if (target.action === 'reply') return postReply(request, reply, target.token, session);
    if (target.action === 'reopen') return postReopen(request, reply, target.token, session);
    return postRate(request, reply, target.token, session);
  });
};
