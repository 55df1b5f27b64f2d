import { failedPrecondition, ifMatchAdmits, type RequestConditions } from '@tss/service-kit';

/** ETags of the versioned documents (rules, roster): the version, quoted (RFC 9110 §8.8.3). */
export const etagOfVersion = (version: number): string => `"${version}"`;

/** Whether an If-Match header admits the current version: `*`, or one of its tags by strong comparison (a weak tag never does, RFC 9110 §13.1.1). */
export const ifMatchAdmitsVersion = (ifMatch: string, version: number): boolean => ifMatchAdmits(ifMatch, etagOfVersion(version));

/**
 * Which condition of a replacement fails over the current version (RFC 9110 §13.2.2), if any:
 * If-Match as above, If-None-Match naming the current tag (weakly) or `*` (a document always has a
 * version in force, the empty one at first).
 */
export const failedVersionPrecondition = (conditions: RequestConditions, version: number): 'if-match' | 'if-none-match' | undefined =>
  failedPrecondition(conditions, { exists: true, etags: [etagOfVersion(version)] });
