import { createHash } from 'node:crypto';
import { setTimeout as pause } from 'node:timers/promises';
import { err, ok, siteLinkUrl, type Failure, type Result } from '@tss/service-kit';
import type { Language } from '@tss/web-pages';
import { ADDRESS_REQUEST_WINDOW_MS, addressDigest, judgeAddressRequest, type AddressVerdict } from '../domain/address-request-limit';
import { checkNewRequest, type FieldProblem, type NewRequestValues, type PostedFieldProblems } from '../domain/new-request-form';
import { siteFormAddressStore } from '../store/site-form-address.store';
import { intakeResult, type SiteDeps } from './site-deps';

/** Intake keeps requester ids to 200 characters. */
const MAX_REQUESTER_ID_LENGTH = 200;

/**
 * A requester known by address gets the id `mail:<address>` (as for requests filed by mail), so the
 * links in the mails about this request open it for them (docs/adr/0037). One who gave no address
 * gets no mail at all: they are `visitor:<id>`, and the filed page's link is how they follow the
 * request (P12). The id comes from the form's idempotency key, so a repeated post is the same request.
 */
const requesterOf = (requester: { email?: string; name?: string } | undefined, idempotencyKey: string): { requester?: { email?: string; name?: string; id?: string } } => {
  if (!requester?.email) {
    const visitor = `visitor:${createHash('sha256').update(`tss/site/visitor/v1:${idempotencyKey}`).digest('base64url').slice(0, 32)}`;
    return { requester: { ...requester, id: visitor } };
  }
  const id = `mail:${requester.email.toLowerCase()}`;
  // A longer address stays an address only: the request is filed, without links for its requester.
  return { requester: { ...requester, ...(id.length <= MAX_REQUESTER_ID_LENGTH ? { id } : {}) } };
};

/**
 * A double click's second post reaches intake while the first still holds the form's key (a 409
 * `idempotency-in-flight`, docs/adr/0028). It waits for the first's answer, which intake then
 * replays, so both show the same reference: up to 25 looks 200 ms apart, about 5 s, far more than
 * intake takes to file a request. A wait, not a reading of the time: no clock is involved.
 */
const IN_FLIGHT_RETRY_PAUSE_MS = 200;
const IN_FLIGHT_RETRIES = 25;

/** What the filed page tells: the reference (P3), whether mail will come, and the page to follow the request on (P12). */
export interface FiledSiteRequest {
  reference: string;
  /** An address was given: the acknowledgment, with the link to the request's page, goes there. */
  mailed: boolean;
  /** The request on the support site for a visitor who gave no address: the only way back to it. */
  followLink?: { url: string; expiresAt: Date };
}

export type FileSiteRequestFailure =
  | { kind: 'form'; problems: FieldProblem[] }
  | { kind: 'refused'; failure: Failure }
  /** The address was named in as many requests as an hour allows (MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR). */
  | { kind: 'address_limit'; limit: number; retryAfterSeconds: number };

/**
 * Counts this post against its address (docs/adr/0037 addendum): a repeat of a post already counted
 * passes and counts nothing; past the hour's limit nothing is counted and nothing is filed.
 */
const countAddress = async (deps: SiteDeps, address: string, idempotencyKey: string): Promise<AddressVerdict> => {
  const digest = addressDigest(address);
  const now = deps.clock.now();
  const since = new Date(now.getTime() - ADDRESS_REQUEST_WINDOW_MS);
  return deps.unitOfWork.run(async (tx) => {
    await siteFormAddressStore.lock(tx, digest);
    const { alreadyCounted, ...earlier } = await siteFormAddressStore.requestsSince(tx, digest, since, idempotencyKey);
    const verdict = judgeAddressRequest({ earlier, alreadyCounted, limit: deps.newRequestsPerAddressPerHour, now });
    if (verdict.allowed) await siteFormAddressStore.record(tx, { digest, idempotencyKey, filedAt: now, forgetBefore: since });
    return verdict;
  });
};

/**
 * Files the public form as the partner, channel `site` (P12), and makes the link its requester
 * follows it by: a form with problems files nothing; intake's refusal comes back as the form's error. The idempotency key makes a repeated post of the
 * same rendered form (a double click, a reload) answer with the ticket it already filed.
 */
export const fileSiteRequest = async (
  deps: SiteDeps,
  site: { partnerId: string; partnerToken: () => Promise<string> },
  input: { values: NewRequestValues; posted?: PostedFieldProblems; language: Language; idempotencyKey: string },
): Promise<Result<FiledSiteRequest, FileSiteRequestFailure>> => {
  const checked = checkNewRequest(input.values, input.posted);
  if (!checked.ok) return err({ kind: 'form', problems: checked.error });
  const { requester } = requesterOf(checked.value.requester, input.idempotencyKey);
  if (requester?.email) {
    const verdict = await countAddress(deps, requester.email, input.idempotencyKey);
    if (!verdict.allowed) return err({ kind: 'address_limit', limit: verdict.limit, retryAfterSeconds: verdict.retryAfterSeconds });
  }
  const partnerToken = await site.partnerToken();
  const fileOnce = async () =>
    intakeResult<{ id: string; reference: string }>(
      await deps.intake.call({
        method: 'POST',
        path: '/v1/tickets',
        token: partnerToken,
        json: { ...checked.value, ...(requester ? { requester } : {}), channel: 'site', language: input.language },
        idempotencyKey: input.idempotencyKey,
      }),
      201,
    );
  let filed = await fileOnce();
  for (let retry = 0; retry < IN_FLIGHT_RETRIES && !filed.ok && filed.error.kind === 'idempotency_in_flight'; retry += 1) {
    await pause(IN_FLIGHT_RETRY_PAUSE_MS);
    filed = await fileOnce();
  }
  if (!filed.ok) return err({ kind: 'refused', failure: filed.error });
  const mailed = Boolean(requester?.email);
  // Whoever typed an address is not known to own it: the link that opens the request as
  // `mail:<address>` (and so shows what that address writes on it) goes to the address, in the
  // acknowledgment, not to this page (docs/adr/0037 addendum). A visitor without one gets it here.
  if (mailed || !requester?.id) return ok({ reference: filed.value.reference, mailed });
  // The link a partner could mint for this requester (docs/adr/0037), made here from intake's answer:
  // the site's projection of the ticket has not heard of it yet, and needs not.
  const expiresAt = new Date(deps.clock.now().getTime() + deps.linkSettings.TSS_SITE_LINK_TTL_MS);
  const { token } = deps.links.mint({ ticketId: filed.value.id, partnerId: site.partnerId, requester: requester.id, language: input.language, expiresAt });
  return ok({ reference: filed.value.reference, mailed, followLink: { url: siteLinkUrl(deps.linkSettings, token), expiresAt } });
};
