/**
 * Entity tags and the conditional request headers that carry them (RFC 9110 §8.8.3, §13.1): pure
 * functions, so a domain or use case can decide a precondition without any HTTP framework.
 */

interface EntityTag {
  weak: boolean;
  opaque: string;
}

// §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc is any visible character but DQUOTE.
const ENTITY_TAG = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/g;

const tagsOf = (header: string): EntityTag[] => [...header.matchAll(ENTITY_TAG)].map((m) => ({ weak: m[1] !== undefined, opaque: m[2] }));

const parse = (etag: string): EntityTag | undefined => tagsOf(etag)[0];

/**
 * False for If-Match `*` (§13.1.1: any current representation). It proves nothing about the version
 * the caller read, so a route that requires If-Match against lost updates answers it as it answers
 * a request without one (428, RFC 6585 §3); a route where If-Match is optional may admit it.
 */
export const ifMatchNamesAVersion = (ifMatch: string): boolean => ifMatch.trim() !== '*';

/**
 * If-Match (§13.1.1): `*`, or a list of which one tag matches the current ETag by strong comparison
 * (§8.8.3.2: neither tag weak, and the same opaque tag). A weak tag never admits a change: it only
 * says the representation is equivalent, and a write must not be made over a version it cannot
 * tell apart from the one read.
 */
export const ifMatchAdmits = (ifMatch: string, currentEtag: string): boolean => {
  if (!ifMatchNamesAVersion(ifMatch)) return true;
  const current = parse(currentEtag);
  if (!current || current.weak) return false;
  return tagsOf(ifMatch).some((tag) => !tag.weak && tag.opaque === current.opaque);
};

/**
 * If-None-Match (§13.1.2): true when the header names the current ETag by weak comparison (the same
 * opaque tag, weak or not) or is `*`, so a GET or HEAD answers 304 Not Modified (§15.4.5).
 */
export const ifNoneMatchMatches = (ifNoneMatch: string, currentEtag: string): boolean => {
  if (ifNoneMatch.trim() === '*') return true;
  const current = parse(currentEtag);
  return current !== undefined && tagsOf(ifNoneMatch).some((tag) => tag.opaque === current.opaque);
};

/**
 * What a state-changing request's conditions are judged against: the resource's current ETags
 * (none when it has no ETag), or that it has no current representation at all.
 */
export type PreconditionTarget = { exists: false } | { exists: true; etags: readonly string[] };

/** The conditional request headers a state-changing request carries (RFC 9110 §13.1.1, §13.1.2). */
export interface RequestConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

/**
 * RFC 9110 §13.2.2 for a state-changing method, in its order: If-Match (`*`: any current
 * representation; else a tag equal to a current one by strong comparison), then If-None-Match
 * (`*`: any current representation; else a tag equal to a current one by weak comparison), whose
 * match is the failure (§13.1.2: not GET or HEAD, so a 412, never a 304). The header whose
 * condition is false, or undefined when the change may go on. A resource without an ETag matches
 * no tag: If-Match naming one is false, If-None-Match naming one is true.
 */
export const failedPrecondition = (conditions: RequestConditions, target: PreconditionTarget): 'if-match' | 'if-none-match' | undefined => {
  const current = target.exists ? target.etags : [];
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined) {
    const admitted = ifMatchNamesAVersion(ifMatch) ? current.some((etag) => ifMatchAdmits(ifMatch, etag)) : target.exists;
    if (!admitted) return 'if-match';
  }
  if (ifNoneMatch !== undefined) {
    const matches = ifNoneMatch.trim() === '*' ? target.exists : current.some((etag) => ifNoneMatchMatches(ifNoneMatch, etag));
    if (matches) return 'if-none-match';
  }
  return undefined;
};
