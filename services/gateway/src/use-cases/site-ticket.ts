import { err, ok, siteLinkUrl, type Failure, type Result } from '@tss/service-kit';
import type { ServiceLevel, TicketStatus } from '@tss/contracts';
import { jsonOf, type IntakeResponse } from '../upstream/intake-api';
import { intakeResult, type SiteDeps } from './site-deps';
import { readSiteRating, type SiteRating } from './site-rating';
import { ticketPath, type SiteSession } from './site-session';

/** The parts of intake's views the ticket page shows. */
export interface SiteTicketView {
  id: string;
  reference: string;
  status: TicketStatus;
  level: ServiceLevel;
  subject: string;
  receivedAt: string;
  /** P6: why a closed ticket was closed (a catalogue code) and the kind of third party to turn to. */
  closure?: { reason: string; thirdParty?: string };
  /** P10: while it waits on the requester, why, and what support asked them (intake's masked note). */
  awaiting?: { reason: string; question?: string };
}
export interface SiteMessageView {
  id: string;
  /**
   * `email_sender`: mail on the thread from an address other than the requester's; `name` is that
   * address. `staff`: support wrote it in the requester's name through a link a staff member minted.
   */
  author: { kind: 'requester' | 'agent' | 'system' | 'email_sender' | 'staff'; name?: string };
  visibility: 'public' | 'internal';
  body: string;
  attachmentIds: string[];
  createdAt: string;
}
export interface SiteThreadView {
  reference: string;
  request: { subject: string; description: string; stepsToReproduce?: string; receivedAt: string };
  items: SiteMessageView[];
}
export interface SiteAttachmentView {
  id: string;
  fileName: string;
  size: number;
  /** Null for files sent with the request itself rather than with a message. */
  messageId: string | null;
}

/** A response clock as sla-timer shows it to the requester (P5): its level's target under the partner's agreement. */
export interface SiteClockView {
  level: ServiceLevel;
  open: boolean;
  startedAt: string;
  dueAt: string;
  targetMs: number;
}

/** P11: a ticket filed to follow this one up ("not solved" after its window), as its requester sees it. */
export interface SiteFollowUp {
  id: string;
  reference: string;
}

/** A follow-up with the address of its own page, for the same requester (P12: a visitor without mail has no other way to it). */
export interface LinkedFollowUp extends SiteFollowUp {
  url: string;
}

export interface TicketPage {
  ticket: SiteTicketView;
  /** The requester's follow-ups of a resolved or closed ticket, newest first: "not solved" files no other. */
  followUps: readonly LinkedFollowUp[];
  thread: SiteThreadView;
  attachments: ReadonlyMap<string, SiteAttachmentView>;
  /** The ticket's response clocks, oldest first; absent when sla-timer could not say (the page then names the level only). */
  clocks?: readonly SiteClockView[];
  /** P11: a resolved or closed ticket's survey and its rating (rating's); absent before a resolution, or when rating could not say. */
  rating?: SiteRating;
}

/** A file the requester attached to a reply on the site. */
export interface SiteUpload {
  fileName: string;
  contentType: string;
  bytes: Buffer;
}


/** The most messages intake hands out a page (its `/thread` limit): the page shows the whole thread. */
const THREAD_PAGE_LIMIT = 200;

/** The whole thread: intake hands it out a page at a time, the request on each; the pages follow `nextCursor`. */
const wholeThread = async (get: (rest: string) => Promise<IntakeResponse>): Promise<Result<SiteThreadView, Failure>> => {
  let thread: SiteThreadView | undefined;
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(THREAD_PAGE_LIMIT), ...(cursor ? { cursor } : {}) });
    const page = intakeResult<SiteThreadView & { nextCursor?: string }>(await get(`/thread?${query.toString()}`), 200);
    if (!page.ok) return page;
    const { nextCursor, ...rest } = page.value;
    thread = thread ? { ...thread, items: [...thread.items, ...rest.items] } : rest;
    cursor = nextCursor;
  } while (cursor);
  return ok(thread);
};

/** The ticket, its thread and its attachments' names, read as the requester (intake shows them only public messages). */
export const readTicketPage = async (deps: SiteDeps, session: SiteSession): Promise<Result<TicketPage, Failure>> => {
  const get = (rest?: string) => deps.intake.call({ method: 'GET', path: ticketPath(session, rest), token: session.requesterToken });
  // P5: the clocks say what the partner's agreement promises. Without them (sla-timer down, or not
  // told of the ticket yet) the page still shows the ticket: the answer is a value, never the page's failure.
  const clocksOf = async (): Promise<SiteClockView[] | undefined> => {
    const answer = await deps.slaTimer.call({ method: 'GET', path: ticketPath(session, '/sla'), token: session.requesterToken }).catch(() => undefined);
    return answer?.status === 200 ? jsonOf<{ clocks: SiteClockView[] }>(answer).clocks : undefined;
  };
  const [ticketAnswer, thread, attachmentsAnswer, clocks] = await Promise.all([get(), wholeThread(get), get('/attachments'), clocksOf()]);
  const ticket = intakeResult<SiteTicketView>(ticketAnswer, 200);
  if (!ticket.ok) return ticket;
  // P11: a resolved or closed ticket may be rated (the survey of its latest resolution) and followed up.
  const settled = REOPENABLE.has(ticket.value.status);
  const [followUps, rating] = settled ? await Promise.all([followUpsOnSite(deps, session), readSiteRating(deps, session)]) : [ok([]), undefined];
  if (!followUps.ok) return followUps;
  const linked = followUps.value.map((f) => ({ ...f, url: followUpLinkOf(deps, session, f) }));
  if (!thread.ok) return thread;
  const attachments = intakeResult<{ items: SiteAttachmentView[] }>(attachmentsAnswer, 200);
  if (!attachments.ok) return attachments;
  return ok({
    ticket: ticket.value,
    followUps: linked,
    // Intake shows requesters no internal notes; the site keeps to public ones whatever it is sent.
    thread: { ...thread.value, items: thread.value.items.filter((m) => m.visibility === 'public') },
    attachments: new Map(attachments.value.items.map((a) => [a.id, a])),
    ...(clocks ? { clocks } : {}),
    ...(rating ? { rating } : {}),
  });
};

/**
 * A reply with its files: intake applies the API's rules (types by content, sizes, P9 masking); its
 * channel is the site (P12), so inside the reopen window it reopens a resolved ticket as the
 * requester's mail does (P11). Answers the ticket's status after it.
 */
export const replyOnSite = async (
  deps: SiteDeps,
  session: SiteSession,
  reply: { text: string; files: readonly SiteUpload[]; idempotencyKey: string },
): Promise<Result<{ ticketStatus?: TicketStatus }, Failure>> => {
  let answer: IntakeResponse;
  if (reply.files.length === 0) {
    answer = await deps.intake.call({ method: 'POST', path: ticketPath(session, '/messages'), token: session.requesterToken, json: { body: reply.text, channel: 'site' }, idempotencyKey: reply.idempotencyKey });
  } else {
    const form = new FormData();
    form.append('body', reply.text);
    form.append('channel', 'site');
    for (const file of reply.files) form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.contentType || 'application/octet-stream' }), file.fileName);
    answer = await deps.intake.call({ method: 'POST', path: ticketPath(session, '/messages'), token: session.requesterToken, form, idempotencyKey: reply.idempotencyKey });
  }
  const posted = intakeResult<{ ticket?: { status?: TicketStatus } }>(answer, 201);
  return posted.ok ? ok({ ...(posted.value.ticket?.status ? { ticketStatus: posted.value.ticket.status } : {}) }) : posted;
};

/** Statuses in which the requester may say the problem is not solved (P11). */
export const REOPENABLE: ReadonlySet<TicketStatus> = new Set(['resolved', 'closed']);

/** P11: the link's ticket's follow-ups its requester can see (intake lists a requester their own tickets), newest first. */
export const followUpsOnSite = async (deps: SiteDeps, session: SiteSession): Promise<Result<SiteFollowUp[], Failure>> => {
  const answer = await deps.intake.call({ method: 'GET', path: `/v1/tickets?linkedTicketId=${session.grant.ticketId}&limit=10`, token: session.requesterToken });
  const listed = intakeResult<{ items: SiteFollowUp[] }>(answer, 200);
  return listed.ok ? ok(listed.value.items.map((t) => ({ id: t.id, reference: t.reference }))) : listed;
};

/**
 * A link to a follow-up's page for the link's requester, as the new-request form's filed page gives
 * one (docs/adr/0037): intake listed it to that requester, so it is theirs; it lives as long as any link.
 */
const followUpLinkOf = (deps: SiteDeps, session: SiteSession, followUp: SiteFollowUp): string => {
  const { grant } = session;
  const expiresAt = new Date(deps.clock.now().getTime() + deps.linkSettings.TSS_SITE_LINK_TTL_MS);
  // A follow-up's link keeps its minter: a staff member's link never leads to one that acts as the requester alone.
  const { token } = deps.links.mint({
    ticketId: followUp.id,
    partnerId: grant.partnerId,
    requester: grant.requester,
    ...(grant.language ? { language: grant.language } : {}),
    ...(grant.mintedBy ? { mintedBy: grant.mintedBy } : {}),
    expiresAt,
  });
  return siteLinkUrl(deps.linkSettings, token);
};

/**
 * "My problem is not solved" (P11): intake reopens the ticket (the reason is the requester's
 * message on the thread), or files a linked one after the window. One form reopens or files once:
 * its Idempotency-Key makes a repeat (a double click, a reload) intake's first answer, and a ticket
 * that has a follow-up already gets no other: its newest one is the answer.
 */
export const reopenOnSite = async (
  deps: SiteDeps,
  session: SiteSession,
  input: { reason?: string; idempotencyKey: string },
): Promise<Result<{ followUp?: SiteFollowUp }, Failure>> => {
  const earlier = await followUpsOnSite(deps, session);
  if (!earlier.ok) return earlier;
  if (earlier.value.length > 0) return ok({ followUp: earlier.value[0] });
  const answer = await deps.intake.call({
    method: 'POST',
    path: ticketPath(session, '/reopen'),
    token: session.requesterToken,
    json: { ...(input.reason ? { reason: input.reason } : {}), channel: 'site' },
    idempotencyKey: input.idempotencyKey,
  });
  const reopened = intakeResult<{ ticket: SiteFollowUp; followUp: boolean }>(answer, 200, 201);
  if (!reopened.ok) return reopened;
  return ok(reopened.value.followUp ? { followUp: { id: reopened.value.ticket.id, reference: reopened.value.ticket.reference } } : {});
};

/** An attachment of the link's ticket, as intake serves it (its type, `Content-Disposition: attachment`). */
export const downloadOnSite = async (deps: SiteDeps, session: SiteSession, attachmentId: string): Promise<Result<IntakeResponse, Failure>> => {
  const answer = await deps.intake.call({ method: 'GET', path: ticketPath(session, `/attachments/${encodeURIComponent(attachmentId)}`), token: session.requesterToken });
  if (answer.status === 200) return ok(answer);
  const refused = intakeResult<never>(answer);
  return refused.ok ? err({ kind: 'not_found' }) : refused;
};
