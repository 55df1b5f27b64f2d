import { createHash } from 'node:crypto';
import { err, ok, type Failure, type Result } from '@tss/service-kit';

/**
 * Keyset cursor of a scope's policy versions, newest first (docs/adr/0031, addendum of
 * 2026-12-04, fourth session): the last version handed out, so the next page starts below it
 * whatever was stored meanwhile. Opaque, as the ticket list's (docs/adr/0027): base64url JSON plus
 * a check value, bound to the scope it was issued for. The check is no secret; it turns an edited,
 * truncated or another listing's cursor into a 400 instead of a wrong page.
 */
const VERSION = 1;

interface Envelope {
  v: number;
  /** Fingerprint of the scope (`default` or a partner's id) the cursor pages. */
  s: string;
  /** The last version handed out. */
  after: number;
}

const digest = (text: string, length: number): string => createHash('sha256').update(text).digest('base64url').slice(0, length);
const checkOf = (body: string): string => digest(`tss-policy-cursor:${body}`, 16);

const badCursor = (message: string): Failure => ({
  kind: 'bad_request',
  detail: `cursor: ${message}`,
  extensions: { errors: [{ in: 'querystring', pointer: '/cursor', message }] },
});

export const encodePolicyHistoryCursor = (scope: string, lastVersion: number): string => {
  const body = Buffer.from(JSON.stringify({ v: VERSION, s: digest(scope, 12), after: lastVersion } satisfies Envelope)).toString('base64url');
  return `${body}.${checkOf(body)}`;
};

/** The version the next page starts below, or the 400 for a cursor this API did not issue for `scope`. */
export const decodePolicyHistoryCursor = (cursor: string, scope: string): Result<number, Failure> => {
  const [body, check, ...rest] = cursor.split('.');
  if (!body || !check || rest.length > 0 || checkOf(body) !== check) return err(badCursor('not a cursor this API issued, or altered'));
  let envelope: Partial<Envelope>;
  try {
    envelope = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Envelope>;
  } catch {
    return err(badCursor('not a cursor this API issued, or altered'));
  }
  if (envelope.v !== VERSION || !Number.isSafeInteger(envelope.after) || (envelope.after ?? 0) < 1) return err(badCursor('not a cursor this API issued, or altered'));
  if (envelope.s !== digest(scope, 12)) return err(badCursor('issued for another listing; start again without it'));
  return ok(envelope.after as number);
};
