import { failedPrecondition, type RequestConditions } from '@tss/service-kit';
import type { PolicyRef } from './response-clock';

/**
 * The ETag of a policy version as a route shows it: its scope and version, quoted (RFC 9110
 * §8.8.3). The scope is part of it because a partner's terms are its agreement or, without one,
 * the default: `"default.3"` and `"<partnerId>.1"` are different representations.
 */
export const etagOfPolicy = (ref: PolicyRef): string => `"${ref.scope}.${ref.version}"`;

/**
 * Which condition of a change fails over the terms in force (RFC 9110 §13.2.2), if any: If-Match
 * is `*` or their tag by strong comparison (a weak tag never admits a change, §13.1.1); If-None-Match
 * must name neither their tag (weakly) nor `*`, which always matches (a scope always has terms in
 * force: a partner without an agreement has the default's, whose tag says so).
 */
export const failedPolicyPrecondition = (conditions: RequestConditions, current: PolicyRef): 'if-match' | 'if-none-match' | undefined =>
  failedPrecondition(conditions, { exists: true, etags: [etagOfPolicy(current)] });
