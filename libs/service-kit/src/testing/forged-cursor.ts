import { createHash } from 'node:crypto';

/**
 * A cursor as an outside caller can forge one (docs/adr/0027: the check value is no secret): the
 * envelope of a real cursor decoded, changed by `change`, encoded and checked again the way
 * keyset-cursor.ts does (base64url(sha256("tss-cursor:" + body)), cut to 16 characters). Written
 * apart from the codec, so a test holds the codec to the recipe, not to itself.
 */
export const reSignedCursor = (cursor: string, change: (envelope: Record<string, unknown>) => Record<string, unknown>): string => {
  const [body] = cursor.split('.');
  const envelope = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify(change(envelope))).toString('base64url');
  return `${forged}.${createHash('sha256').update(`tss-cursor:${forged}`).digest('base64url').slice(0, 16)}`;
};

/** A real cursor with its sort keys (`p`) replaced, re-signed. */
export const cursorAt = (cursor: string, position: readonly unknown[]): string => reSignedCursor(cursor, (envelope) => ({ ...envelope, p: [...position] }));
