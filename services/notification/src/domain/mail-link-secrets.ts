/**
 * What a reader of the mail outbox sees in place of a link's credential. The rating link's token
 * (docs/adr/0040) and the support-site link's signed token (docs/adr/0037) are bearer secrets of
 * the requester: whoever holds one rates, or reads and writes on the site, as the requester. Staff
 * read the outbox; the quality report measures them (docs/adr/0040, addendum of 2026-12-04, fifth
 * session).
 */
export const WITHHELD_LINK_SECRET = '[withheld]';

/**
 * A link's path up to its credential (`/rate/`, `/support/t/`), then the credential: everything to
 * the end of the address, which in the plain body ends at white space and in the HTML body at the
 * attribute's quote or the tag's end. Whatever the host, so a link pasted into a reply is caught too.
 */
const LINK_SECRET = /(\/(?:rate|support\/t)\/)[^\s"'<>]+/g;

/** The text with every link credential replaced by `[withheld]`; the rest, addresses included, as it was. */
export const withoutLinkSecrets = (text: string): string => text.replace(LINK_SECRET, `$1${WITHHELD_LINK_SECRET}`);
