import { ifMatchAdmits } from '@tss/service-kit';

/** ETags of the versioned documents (rules, roster): the version, quoted (RFC 9110 §8.8.3). */
export const etagOfVersion = (version: number): string => `"${version}"`;

/** Whether an If-Match header admits the current version: `*`, or one of its tags by strong comparison (a weak tag never does, RFC 9110 §13.1.1). */
export const ifMatchAdmitsVersion = (ifMatch: string, version: number): boolean => ifMatchAdmits(ifMatch, etagOfVersion(version));
