import { ifMatchAdmits } from '@tss/service-kit';
import type { PolicyRef } from './response-clock';

/**
 * The ETag of a policy version as a route shows it: its scope and version, quoted (RFC 9110
 * §8.8.3). The scope is part of it because a partner's terms are its agreement or, without one,
 * the default: `"default.3"` and `"<partnerId>.1"` are different representations.
 */
export const etagOfPolicy = (ref: PolicyRef): string => `"${ref.scope}.${ref.version}"`;

/** Whether an If-Match header admits the terms in force: `*`, or their tag by strong comparison (a weak tag never does, RFC 9110 §13.1.1). */
export const ifMatchAdmitsPolicy = (ifMatch: string, current: PolicyRef): boolean => ifMatchAdmits(ifMatch, etagOfPolicy(current));
