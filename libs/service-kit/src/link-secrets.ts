/**
 * What a staff reader sees in place of a link's credential. The rating link's token
 * (docs/adr/0040) and the support-site link's signed token (docs/adr/0037) are bearer secrets of
 * the requester: whoever holds one rates, or reads and writes on the site, as the requester. Staff
 * read the mail outbox, admins' webhooks and the tickets' texts; the quality report measures them
 * (docs/adr/0040, addenda of 2026-12-04, fifth session). The partner and the requester, who own
 * the links, see them as written.
 */
export const WITHHELD_LINK_SECRET = '[withheld]';

/**
 * A link's path up to its credential (`/rate/`, `/support/t/`), then the credential: one path
 * segment (a token is base64url, with dots), which ends at the next `/` (an attachment's
 * `/attachments/<id>` goes on), a query or a fragment, at white space in the plain body and at the
 * attribute's quote or the tag's end in the HTML body. Whatever the host, so a link pasted into a
 * reply is caught too.
 */
const LINK_SECRET = /(\/(?:rate|support\/t)\/)[^\s"'<>/?#]+/g;

/** The text with every link credential replaced by `[withheld]`; the rest, addresses included, as it was. */
export const withoutLinkSecrets = (text: string): string => text.replace(LINK_SECRET, `$1${WITHHELD_LINK_SECRET}`);

/** Whether some string in a JSON-like value holds a link credential: what staff read of it differs from what its owners read. */
export const holdsLinkSecrets = (value: unknown): boolean => {
  if (typeof value === 'string') return value.search(LINK_SECRET) !== -1;
  if (Array.isArray(value)) return value.some(holdsLinkSecrets);
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) return Object.values(value).some(holdsLinkSecrets);
  return false;
};

/** Every string in a JSON-like value (a view about to be sent) with its link credentials withheld; the rest as it was. */
export const withoutLinkSecretsIn = <T>(value: T): T => withheldIn(value) as T;

const withheldIn = (value: unknown): unknown => {
  if (typeof value === 'string') return withoutLinkSecrets(value);
  if (Array.isArray(value)) return value.map(withheldIn);
  if (value instanceof Date) return value;
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withheldIn(inner)]));
  return value;
};

/**
 * A view of a ticket's texts as its reader may see them. Requesters paste their rating and
 * support-site links into what they write (the request, messages, a reopen reason, a rating's
 * comment): staff read them withheld, as the mail outbox and admins' webhooks show them. The
 * partner and the requester, who own the links, read the text as written (docs/adr/0040, addendum
 * of 2026-12-04, fifth session).
 */
export const shownToReader = <T>(reader: { readonly kind: string }, view: T): T => (reader.kind === 'staff' ? withoutLinkSecretsIn(view) : view);
