/** Keyset paging of the escalation list (newest first): an opaque cursor of the last item's position. */
export interface EscalationPosition {
  raisedAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const encodeEscalationCursor = (p: EscalationPosition): string => Buffer.from(JSON.stringify([p.raisedAt.toISOString(), p.id])).toString('base64url');

/** The position, or undefined for anything this API did not issue. */
export const decodeEscalationCursor = (cursor: string): EscalationPosition | undefined => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined; // not JSON: not one of ours; the caller answers 400
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') return undefined;
  const raisedAt = new Date(parsed[0]);
  return Number.isNaN(raisedAt.getTime()) || !UUID.test(parsed[1]) ? undefined : { raisedAt, id: parsed[1] };
};
