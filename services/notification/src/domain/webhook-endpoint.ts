/**
 * A signing secret as stored: sealed under a master key (the key-wrapping port), or, only in rows
 * written before secrets were sealed and not yet sealed at start, in clear (docs/adr/0042).
 */
export type StoredSecret = { masterKeyId: string; ciphertext: Buffer } | { plain: string };

/** Who an endpoint belongs to and which partners' events it may receive (DESIGN "Tenancy"). */
export type EndpointOwner = { kind: 'partner'; partnerId: string } | { kind: 'staff'; staffId: string };

export interface WebhookEndpoint {
  id: string;
  ownerKind: 'partner' | 'staff';
  /** The partner whose tickets' events it receives; null for an internal system (admin) subscribed to all partners. */
  partnerId: string | null;
  createdBy: string;
  url: string;
  description: string;
  /** Who is mailed when the endpoint is disabled; null: the creating staff member's address, if any (docs/adr/0042). */
  contactEmail: string | null;
  eventTypes: string[];
  secret: StoredSecret;
  /** After a rotation, the old secret keeps signing beside the new one until `previousSecretExpiresAt`. */
  previousSecret: StoredSecret | null;
  previousSecretExpiresAt: Date | null;
  status: 'enabled' | 'disabled';
  disabledAt: Date | null;
  disabledReason: string | null;
  /** When the first of the attempts failing since the last success failed; null while healthy. */
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** The secrets that sign at `now`: the current one, and the previous one for 24 h after a rotation. */
export const signingSecrets = <S>(endpoint: { secret: S; previousSecret: S | null; previousSecretExpiresAt: Date | null }, now: Date): S[] =>
  endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > now.getTime()
    ? [endpoint.secret, endpoint.previousSecret]
    : [endpoint.secret];

/** Tenancy: may this endpoint receive an event of `partnerId`? */
export const receivesPartner = (endpoint: Pick<WebhookEndpoint, 'partnerId'>, partnerId: string | undefined): boolean =>
  endpoint.partnerId === null || endpoint.partnerId === partnerId;

/**
 * White space, control and format characters (line breaks, tabs, NUL, zero-width and bidi marks):
 * URL parsing (WHATWG) drops or percent-encodes them, so the URL called would not be the URL stored
 * and shown, and a CR/LF reads as a header injection in every log line that prints it.
 */
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Cf}]/u;

/** A webhook URL: exactly as it will be called (no white space or control characters), http(s) only, no user info (it would leak into logs), no fragment. */
export const urlProblem = (raw: string): string | undefined => {
  if (INVISIBLE.test(raw)) return 'must not contain spaces, line breaks, or other control or invisible characters; percent-encode them';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash) return 'must not carry a fragment';
  return undefined;
};
