import { err, ok, type Failure, type Result } from '@tss/service-kit';
import type { ServiceLevel, TicketStatus } from '@tss/contracts';
import { jsonOf, type IntakeResponse } from '../upstream/intake-api';
import { intakeResult, type SiteDeps } from './site-deps';
import type { SiteSession } from './site-session';

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
}
export interface SiteMessageView {
  id: string;
  /** `email_sender`: mail on the thread from an address other than the requester's; `name` is that address. */
  author: { kind: 'requester' | 'agent' | 'system' | 'email_sender'; name?: string };
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

export interface TicketPage {
  ticket: SiteTicketView;
  thread: SiteThreadView;
  attachments: ReadonlyMap<string, SiteAttachmentView>;
  /** The ticket's response clocks, oldest first; absent when sla-timer could not say (the page then names the level only). */
  clocks?: readonly SiteClockView[];
}

/** A file the requester attached to a reply on the site. */
export interface SiteUpload {
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

const ticketPath = (session: SiteSession, rest = '') => `/v1/tickets/${session.grant.ticketId}${rest}`;

/** The ticket, its thread and its attachments' names, read as the requester (intake shows them only public messages). */
export const readTicketPage = async (deps: SiteDeps, session: SiteSession): Promise<Result<TicketPage, Failure>> => {
  const get = (rest?: string) => deps.intake.call({ method: 'GET', path: ticketPath(session, rest), token: session.requesterToken });
  // P5: the clocks say what the partner's agreement promises. Without them (sla-timer down, or not
  // told of the ticket yet) the page still shows the ticket: the answer is a value, never the page's failure.
  const clocksOf = async (): Promise<SiteClockView[] | undefined> => {
    const answer = await deps.slaTimer.call({ method: 'GET', path: ticketPath(session, '/sla'), token: session.requesterToken }).catch(() => undefined);
    return answer?.status === 200 ? jsonOf<{ clocks: SiteClockView[] }>(answer).clocks : undefined;
  };
  const [ticketAnswer, threadAnswer, attachmentsAnswer, clocks] = await Promise.all([get(), get('/thread'), get('/attachments'), clocksOf()]);
  const ticket = intakeResult<SiteTicketView>(ticketAnswer, 200);
  if (!ticket.ok) return ticket;
  const thread = intakeResult<SiteThreadView>(threadAnswer, 200);
  if (!thread.ok) return thread;
  const attachments = intakeResult<{ items: SiteAttachmentView[] }>(attachmentsAnswer, 200);
  if (!attachments.ok) return attachments;
  return ok({
    ticket: ticket.value,
    // Intake shows requesters no internal notes; the site keeps to public ones whatever it is sent.
    thread: { ...thread.value, items: thread.value.items.filter((m) => m.visibility === 'public') },
    attachments: new Map(attachments.value.items.map((a) => [a.id, a])),
    ...(clocks ? { clocks } : {}),
  });
};

/** A reply with its files: intake applies the API's rules (types by content, sizes, P9 masking); its channel is the site (P12). */
export const replyOnSite = async (deps: SiteDeps, session: SiteSession, reply: { text: string; files: readonly SiteUpload[]; idempotencyKey: string }): Promise<Result<void, Failure>> => {
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
  const posted = intakeResult<unknown>(answer, 201);
  return posted.ok ? ok(undefined) : posted;
};

/** "My problem is not solved" (P11): intake reopens the ticket (the reason is the requester's message on the thread), or files a linked one after the window. */
export const reopenOnSite = async (deps: SiteDeps, session: SiteSession, reason: string | undefined): Promise<Result<{ followUpReference?: string }, Failure>> => {
  const answer = await deps.intake.call({ method: 'POST', path: ticketPath(session, '/reopen'), token: session.requesterToken, json: { ...(reason ? { reason } : {}), channel: 'site' } });
  const reopened = intakeResult<{ ticket: { reference: string }; followUp: boolean }>(answer, 200, 201);
  if (!reopened.ok) return reopened;
  return ok(reopened.value.followUp ? { followUpReference: reopened.value.ticket.reference } : {});
};

/** An attachment of the link's ticket, as intake serves it (its type, `Content-Disposition: attachment`). */
export const downloadOnSite = async (deps: SiteDeps, session: SiteSession, attachmentId: string): Promise<Result<IntakeResponse, Failure>> => {
  const answer = await deps.intake.call({ method: 'GET', path: ticketPath(session, `/attachments/${encodeURIComponent(attachmentId)}`), token: session.requesterToken });
  if (answer.status === 200) return ok(answer);
  const refused = intakeResult<never>(answer);
  return refused.ok ? err({ kind: 'not_found' }) : refused;
};
