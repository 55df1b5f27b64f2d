import { cursorPosition, cursorPositiveInteger, keysetCursor, type CursorHolder, type Failure, type Result } from '@tss/service-kit';

/**
 * Keyset cursor of a scope's policy versions, newest first (docs/adr/0031, addendum of
 * 2026-12-04, fourth session): the last version handed out, so the next page starts below it
 * whatever was stored meanwhile. The shared codec (docs/adr/0027): opaque, bound to the scope
 * (`default` or a partner's id) and the reader it was issued for; another listing's or reader's
 * cursor is a 400.
 */
const cursors = keysetCursor('sla-policy-versions', 'listing');

export const encodePolicyHistoryCursor = (holder: CursorHolder, scope: string, lastVersion: number): string => cursors.encode(holder, { scope }, [lastVersion]);

/** The version the next page starts below, or the 400 for a cursor this API did not issue to `holder` for `scope`. */
export const decodePolicyHistoryCursor = (cursor: string, holder: CursorHolder, scope: string): Result<number, Failure> =>
  // `version` is an integer column: a larger number is no version of ours, not a query PostgreSQL refuses.
  cursorPosition(cursors.decode(cursor, holder, { scope }), ([after, ...rest]) => (rest.length === 0 ? cursorPositiveInteger(after) : undefined));
