import { toStorableText } from '@tss/contracts';
import { isStandInMessageId } from './inbound-mail';
import { sessionRefusalOf, type SessionRefusal, type SmtpFailure } from './smtp-refusal';

/** How a mail's send attempts go (docs/adr/0035-mail.md). */

/**
 * After this many attempts a mail that was never accepted is given up and recorded as failed.
 * Attempts the server refused for our session (`session_refused`) do not count, nor those before an
 * operator sent a failed mail again (`countedAttempts`).
 */
export const MAIL_MAX_ATTEMPTS = 8;

/** The attempts that count towards `MAIL_MAX_ATTEMPTS`, and whose number sets the usual delay. */
export const countedAttempts = (mail: { attempts: number; attemptsNotCounted: number }): number => Math.max(0, mail.attempts - mail.attemptsNotCounted);

const RETRY_AFTER_MS = [60_000, 2 * 60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 60 * 60_000, 2 * 60 * 60_000, 4 * 60 * 60_000];

/**
 * When attempt `attempt` (1-based) is tried again if it has not been recorded as sent or failed by
 * then: a transient failure, or a crash between the SMTP answer and its record (at-least-once).
 */
export const mailRetryDelayMs = (attempt: number): number => RETRY_AFTER_MS[Math.min(Math.max(attempt, 1), RETRY_AFTER_MS.length) - 1];

/**
 * When a mail the server refused for our session (`session_refused`) is tried again: the usual
 * steps by how many times it was (1, 2, 5, 15, 30 minutes, 1, 2 hours), then every 4 hours for as
 * long as it is refused; it never fails of it. A restart, or a send the server takes again, brings
 * every such mail forward at once (docs/adr/0035, addendum of 2026-12-05, seventh session).
 */
export const sessionRetryDelayMs = (refusals: number): number => mailRetryDelayMs(refusals);

/** What the SMTP exchange said, as far as retrying is concerned. */
export type SendOutcome =
  | { kind: 'sent'; response: string }
  /** A 5xx reply about the message (RFC 5321 §4.2.1): sending it again would fail the same way. */
  | { kind: 'permanent'; reason: string }
  /** A 4xx reply, a refused connection, a timeout: worth another attempt. */
  | { kind: 'transient'; reason: string }
  /**
   * The server refused our session (`sessionRefusalOf`: our login, TLS, our sender address, the
   * connection itself), not the message: the mail waits for an operator to fix the configuration
   * and is tried again, its attempt not counted.
   */
  | { kind: 'session_refused'; refusal: SessionRefusal; reason: string };

/** Classifies a failed send: a refusal of our session, else by its SMTP reply code when the server gave one. */
export const classifySendFailure = (failure: SmtpFailure): Exclude<SendOutcome, { kind: 'sent' }> => {
  const { responseCode, reason } = failure;
  const refusal = sessionRefusalOf(failure);
  if (refusal) return { kind: 'session_refused', refusal, reason };
  return responseCode !== undefined && responseCode >= 500 && responseCode < 600 ? { kind: 'permanent', reason } : { kind: 'transient', reason };
};

/** A Message-ID of ours (RFC 5322 §3.6.4): unique per mail, and the mail row it names maps back to the ticket. */
export const mailMessageId = (mailId: string, domain: string): string => `<tss.${mailId}@${domain}>`;

/** The domain part of an address such as `TSS Support <support@example.com>`. */
export const domainOf = (address: string): string => /@([^>\s]+)>?\s*$/.exec(address)?.[1]?.toLowerCase() ?? 'tss.local';

/** The address of a From such as `TSS Support <support@example.com>` (or a bare one), lower-cased. */
export const addressOf = (from: string): string => (/<([^<>\s]+)>\s*$/.exec(from)?.[1] ?? from.trim()).toLowerCase();

/** The longest display name we put in To: a name, not a paragraph (the API does not bound it). */
const DISPLAY_NAME_MAX_CHARS = 200;

/**
 * RFC 5322 §3.4: the requester's name as the display name of To, or undefined when there is none.
 * Control characters (a CR/LF above all) and runs of blanks become one space, so a name is one
 * line of text whatever the API was given; quoting it, or RFC 2047 encoding it when it is not
 * ASCII, is nodemailer's (an address object, never a string we splice), so no name can add a
 * recipient or a header.
 */
export const displayNameOf = (name: string | null | undefined): string | undefined => {
  const oneLine = toStorableText(name ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim();
  return oneLine === '' ? undefined : Array.from(oneLine).slice(0, DISPLAY_NAME_MAX_CHARS).join('').trim();
};

/**
 * RFC 5322 §3.6.4: a reply's References are its parent's References followed by the parent's
 * Message-ID. Our mail answers our first mail of the ticket (`inReplyTo`), which itself answered the
 * requester's opening mail when the ticket was filed by mail (`parentInReplyTo`): that one comes
 * first, so the requester's client threads everything under the mail they wrote.
 */
export const threadReferences = (inReplyTo: string, parentInReplyTo: string | null): string[] =>
  parentInReplyTo && parentInReplyTo !== inReplyTo ? [parentInReplyTo, inReplyTo] : [inReplyTo];

/**
 * The longest Message-ID we name in In-Reply-To or References: RFC 5322 §2.1.1 allows a line 998
 * octets, and a msg-id has no place to fold (§3.6.4: no FWS inside it), so an id must fit on one
 * line after the longer header name. A longer one made the whole mail a line servers refuse for
 * good ("500 Line too long", RFC 5321 §4.5.3.1.6), so the acknowledgment never went.
 */
export const MAX_THREAD_MESSAGE_ID_OCTETS = 998 - 'In-Reply-To: '.length;

/** A Message-ID a mail of ours may name: one the requester sent (not our stand-in) that fits a header line. */
const answerable = (messageId: string | null): messageId is string =>
  !!messageId && !isStandInMessageId(messageId) && Buffer.byteLength(messageId, 'utf8') <= MAX_THREAD_MESSAGE_ID_OCTETS;

/**
 * The threading headers of a mail of ours: none when it answers nothing, and never a Message-ID
 * the requester did not send (`isStandInMessageId`, our dedup id of a mail that had none: RFC 5322
 * §3.6.4) nor one too long for a header line (`MAX_THREAD_MESSAGE_ID_OCTETS`): a reply to such a
 * mail is sent as to a mail without a Message-ID. Mail kept before these rules is sent by them too.
 */
export const threadHeadersOf = (inReplyTo: string | null, parentInReplyTo: string | null): { inReplyTo?: string; references?: string[] } => {
  if (!answerable(inReplyTo)) return {};
  return { inReplyTo, references: threadReferences(inReplyTo, answerable(parentInReplyTo) ? parentInReplyTo : null) };
};

/**
 * RFC 3834 §5: `Auto-Submitted: auto-generated` is for mail no person wrote, so that auto-responders
 * leave it unanswered. Every kind of ours is written by the software (acknowledgment, information
 * requested, resolved, rating invitation, reopened, closed, staff notices) except the agent's reply,
 * which carries the agent's own words: a person's mail, which a requester's out-of-office may
 * answer like any other. Loop protection reads the headers of what comes in, never this one
 * (`automatedReason`).
 */
const WRITTEN_BY_A_PERSON: ReadonlySet<string> = new Set(['agent_reply']);

/** The Auto-Submitted value a mail of `kind` carries, or undefined for one a person wrote. */
export const autoSubmittedOf = (kind: string): 'auto-generated' | undefined => (WRITTEN_BY_A_PERSON.has(kind) ? undefined : 'auto-generated');
