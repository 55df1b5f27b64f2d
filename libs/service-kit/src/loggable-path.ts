/**
 * Paths whose next segment is a credential (ADR 0007: secrets never reach logs): a support-site
 * link `/support/t/<token>` (docs/support-site.md) and a rating link `/rate/<token>`,
 * `/v1/ratings/<token>` (docs/rating.md). Any case, wherever the prefix starts a segment: a path
 * no route serves (`/rate/<token>/`, `/RATE/<token>`) is logged as it came, and must not carry it.
 */
const CREDENTIAL_SEGMENT = /(^|\/)(support\/t|rate|v1\/ratings)\/[^/]+/gi;

/** A request path as logs and spans may show it: the credential segment of a link replaced. */
export const loggablePath = (path: string): string => path.replace(CREDENTIAL_SEGMENT, '$1$2/[redacted]');
