import type { DataSource } from 'typeorm';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import { err, FAILURES, ok, type AttachmentSizeLimits, type Clock, type Failure, type FailureKind, type Result, type SiteLinkKeys, type SiteLinkSettings } from '@tss/service-kit';
import type { KeyRing } from '../store/key-ring';
import { jsonOf, problemDetailOf, problemOf, type IntakeApi, type IntakeResponse } from '../upstream/intake-api';
import type { TokenSettings } from './issue-token';

/** What the support site's use cases work with (docs/adr/0037). */
export interface SiteDeps {
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  /** `partner.site_link_minted` and `partner.site_link_revoked`: a link minted or revoked through the API, for the ticket's history. */
  outbox: Outbox;
  clock: Clock;
  intake: IntakeApi;
  /** sla-timer's API through the same port: the ticket page's response clock (P5, docs/adr/0037 addendum). */
  slaTimer: IntakeApi;
  /** rating's API through the same port: the survey of the ticket's latest resolution, and the requester's rating of it (P11). */
  rating: IntakeApi;
  links: SiteLinkKeys;
  linkSettings: SiteLinkSettings;
  /** ATTACHMENT_MAX_FILE_BYTES and ATTACHMENT_MAX_MESSAGE_BYTES (intake's): the reply form's hint and the 413 page name them (P8). */
  attachmentLimits: AttachmentSizeLimits;
  /** MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR: requests the public form may file naming one address within an hour. */
  newRequestsPerAddressPerHour: number;
  keys: KeyRing;
  tokenSettings: TokenSettings;
}

const FAILURE_OF_STATUS: Readonly<Record<number, Failure['kind']>> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  // One process: the site's calls pass the edge, and a requester's budget can run out (docs/adr/0011 addendum).
  429: 'rate_limited',
};

const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance']);

/**
 * The kind of intake's refusal: the failure whose problem type it names (`idempotency-in-flight`
 * and `invalid-transition` are 409s the site tells apart), else the one of its status.
 */
const kindOf = (problem: Readonly<Record<string, unknown>>, status: number): FailureKind | undefined => {
  const type = typeof problem.type === 'string' ? problem.type : '';
  const slug = type.slice(type.lastIndexOf('/') + 1);
  const named = (Object.keys(FAILURES) as FailureKind[]).find((kind) => FAILURES[kind].slug === slug && FAILURES[kind].status === status);
  return named ?? FAILURE_OF_STATUS[status];
};

/** How long intake's 429 asks the caller to wait (RFC 9110 Retry-After, delay-seconds); a minute when it does not say. */
const retryAfterSecondsOf = (response: IntakeResponse): number => {
  const seconds = Number(response.headers['retry-after']);
  return Number.isInteger(seconds) && seconds > 0 ? seconds : 60;
};

/**
 * Intake's answer as a value: its JSON when it is one of `expected`, its problem as a failure of the
 * same kind when it refused (4xx). Anything else (5xx, a redirect) is an infrastructure failure: thrown.
 */
export const intakeResult = <T>(response: IntakeResponse, ...expected: number[]): Result<T, Failure> => {
  if (expected.includes(response.status)) return ok(jsonOf<T>(response));
  const problem = problemOf(response);
  const kind = kindOf(problem, response.status);
  // The problem's extensions (a refused file's name and reason, a limit) let a page word it itself.
  const extensions = Object.fromEntries(Object.entries(problem).filter(([name]) => !PROBLEM_MEMBERS.has(name)));
  if (kind === 'rate_limited') return err({ kind, detail: problemDetailOf(response), extensions: { ...extensions, retryAfterSeconds: retryAfterSecondsOf(response) } });
  if (kind) return err({ kind, detail: problemDetailOf(response), extensions });
  throw new Error(`ticket-intake answered ${response.status}: ${response.body.toString('utf8').slice(0, 300)}`);
};
