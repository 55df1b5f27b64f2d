import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { Failure } from './problem';
import { err, ok, type Result } from './result';

/**
 * Keyset cursors (docs/adr/0027): the sort keys of the last item handed out, so the next page
 * starts after it whatever was added meanwhile. Opaque to clients: base64url JSON plus a check
 * value, bound to the list, the caller and the filters it was issued for. The check is not a
 * secret (a forged cursor only moves the start of a page the caller may read anyway); it catches
 * edited, truncated or mixed-up cursors, which answer 400 instead of a wrong page.
 */
const VERSION = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Envelope {
  v: number;
  /** Which list issued it. */
  k: string;
  /** Fingerprint of the caller it was issued to. */
  c: string;
  /** Fingerprint of the filters it was issued for. */
  f: string;
  /** The sort keys, in sort order. */
  p: unknown[];
}

const digest = (text: string, length: number): string => createHash('sha256').update(text).digest('base64url').slice(0, length);
const fingerprint = (filters: unknown): string => digest(canonicalJson(filters ?? {}), 12);
const checkOf = (body: string): string => digest(`tss-cursor:${body}`, 16);

/** The 400 a cursor this API did not issue, or issued for something else, answers. */
export const badCursor = (message: string): Failure => ({
  kind: 'bad_request',
  detail: `cursor: ${message}`,
  extensions: { errors: [{ in: 'querystring', pointer: '/cursor', message }] },
});

const NOT_OURS = 'not a cursor this API issued, or altered';

/**
 * Who a cursor is issued to: a request's scope (RequestScope fits), or what names the same caller.
 * A partner is its partner id, a requester its partner's and its own id, a staff member their id.
 */
export type CursorHolder =
  | { readonly kind: 'partner'; readonly partnerId: string }
  | { readonly kind: 'requester'; readonly partnerId: string; readonly requesterId: string }
  | { readonly kind: 'staff'; readonly staffId: string };

/** Only what names the caller: a staff member's roles or a requester's address may change between pages. */
const holderFingerprint = (holder: CursorHolder): string => {
  switch (holder.kind) {
    case 'partner':
      return fingerprint({ partner: holder.partnerId });
    case 'requester':
      return fingerprint({ partner: holder.partnerId, requester: holder.requesterId });
    case 'staff':
      return fingerprint({ staff: holder.staffId });
  }
};

export interface KeysetCursor {
  encode(holder: CursorHolder, filters: unknown, position: readonly unknown[]): string;
  /** The sort keys, as issued to `holder` for `filters`; a 400 failure for anything else. */
  decode(cursor: string, holder: CursorHolder, filters: unknown): Result<unknown[], Failure>;
}

/**
 * Cursors of one list (`kind`, e.g. "tickets"): a cursor of another list, issued to another caller
 * (ADR 0027: a foreign cursor is a 400, though it could only move the start of a page this caller
 * may read), or issued for other filters is refused.
 */
export const keysetCursor = (kind: string, listName = 'list'): KeysetCursor => ({
  encode: (holder, filters, position) => {
    const envelope: Envelope = { v: VERSION, k: kind, c: holderFingerprint(holder), f: fingerprint(filters), p: [...position] };
    const body = Buffer.from(JSON.stringify(envelope)).toString('base64url');
    return `${body}.${checkOf(body)}`;
  },
  decode: (cursor, holder, filters) => {
    const [body, check, ...rest] = cursor.split('.');
    if (!body || !check || rest.length > 0 || checkOf(body) !== check) return err(badCursor(NOT_OURS));
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return err(badCursor(NOT_OURS));
    }
    // Re-signed around `null`, a number or an array: JSON, but no envelope.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return err(badCursor(NOT_OURS));
    const envelope = parsed as Partial<Envelope>;
    if (envelope.v !== VERSION || envelope.k !== kind || !Array.isArray(envelope.p)) return err(badCursor(`not a cursor of this ${listName}`));
    // Cursors issued before they named their caller (2026-12-05) bind to nobody: the listing starts again.
    if (envelope.c === undefined) return err(badCursor('issued by an earlier release; start again without it'));
    if (envelope.c !== holderFingerprint(holder)) return err(badCursor('issued to another caller; start again without it'));
    if (envelope.f !== fingerprint(filters)) return err(badCursor('issued for other filters; start again without it'));
    return ok(envelope.p);
  },
});

// The check value is no secret (anyone can re-sign an edited cursor), so each decoded sort key is
// held to what its column can hold: a value PostgreSQL refuses as a parameter would be a 500.
/** PostgreSQL's bigint (a bigserial's type). */
const BIGINT_MAX = 9_223_372_036_854_775_807n;
/** PostgreSQL's integer (int4). */
const INTEGER_MAX = 2_147_483_647;
const POSITIVE_DECIMAL = /^[1-9]\d{0,18}$/;

/**
 * A decoded sort key that must be an instant as cursors write them (ISO, milliseconds, Z), and
 * exactly as written: `2026-02-30` or `24:00`, which Date would quietly roll over, are not ours.
 */
export const cursorInstant = (value: unknown): Date | undefined => {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) return undefined;
  const instant = new Date(value);
  return !Number.isNaN(instant.getTime()) && instant.toISOString() === value ? instant : undefined;
};

/** A decoded sort key that must be a UUID. */
export const cursorUuid = (value: unknown): string | undefined => (typeof value === 'string' && UUID.test(value) ? value : undefined);

/** A decoded sort key that must be a positive bigint (a bigserial), as text the way PostgreSQL prints it: 1 to 2^63 − 1. */
export const cursorSerial = (value: unknown): string | undefined =>
  typeof value === 'string' && POSITIVE_DECIMAL.test(value) && BigInt(value) <= BIGINT_MAX ? value : undefined;

/** A decoded sort key that must be a positive integer (int4): 1 to 2^31 − 1. */
export const cursorPositiveInteger = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= INTEGER_MAX ? value : undefined;

/** The position from decoded keys, or the "not ours" 400 when they do not read as `read` expects. */
export const cursorPosition = <T>(decoded: Result<unknown[], Failure>, read: (keys: unknown[]) => T | undefined): Result<T, Failure> => {
  if (!decoded.ok) return decoded;
  const position = read(decoded.value);
  return position === undefined ? err(badCursor(NOT_OURS)) : ok(position);
};
