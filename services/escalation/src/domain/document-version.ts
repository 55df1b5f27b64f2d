/** ETags of the versioned documents (rules, roster): the version, quoted (RFC 9110 §8.8.3). */
export const etagOfVersion = (version: number): string => `"${version}"`;

/** Whether an If-Match header admits the current version: `*`, or one of its tags (weak tags compared as strong). */
export const ifMatchAdmits = (ifMatch: string, version: number): boolean =>
  ifMatch.trim() === '*' || ifMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etagOfVersion(version));
