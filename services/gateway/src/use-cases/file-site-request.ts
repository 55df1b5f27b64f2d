import { err, ok, type Failure, type Result } from '@tss/service-kit';
import type { Language } from '@tss/web-pages';
import { checkNewRequest, type FieldProblem, type NewRequestValues, type PostedFieldProblems } from '../domain/new-request-form';
import { intakeResult, type SiteDeps } from './site-deps';

/** Intake keeps requester ids to 200 characters. */
const MAX_REQUESTER_ID_LENGTH = 200;

/**
 * A requester known by address gets the id `mail:<address>` (as for requests filed by mail), so the
 * links in the mails about this request open it for them (docs/adr/0037).
 */
const requesterOf = (requester: { email?: string; name?: string } | undefined) => {
  if (!requester) return {};
  const id = requester.email ? `mail:${requester.email.toLowerCase()}` : undefined;
  // A longer address stays an address only: the request is filed, without links for its requester.
  return { requester: { ...requester, ...(id && id.length <= MAX_REQUESTER_ID_LENGTH ? { id } : {}) } };
};

export type FileSiteRequestFailure = { kind: 'form'; problems: FieldProblem[] } | { kind: 'refused'; failure: Failure };

/**
 * Files the public form as the partner, channel `site` (P12): a form with problems files nothing;
 * intake's refusal comes back as the form's error. The idempotency key makes a repeated post of the
 * same rendered form (a double click, a reload) answer with the ticket it already filed.
 */
export const fileSiteRequest = async (
  deps: SiteDeps,
  site: { partnerToken: () => Promise<string> },
  input: { values: NewRequestValues; posted?: PostedFieldProblems; language: Language; idempotencyKey: string },
): Promise<Result<{ reference: string }, FileSiteRequestFailure>> => {
  const checked = checkNewRequest(input.values, input.posted);
  if (!checked.ok) return err({ kind: 'form', problems: checked.error });
  const answer = await deps.intake.call({
    method: 'POST',
    path: '/v1/tickets',
    token: await site.partnerToken(),
    json: { ...checked.value, ...requesterOf(checked.value.requester), channel: 'site', language: input.language },
    idempotencyKey: input.idempotencyKey,
  });
  const filed = intakeResult<{ reference: string }>(answer, 201);
  if (!filed.ok) return err({ kind: 'refused', failure: filed.error });
  return ok({ reference: filed.value.reference });
};
