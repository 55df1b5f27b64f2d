import { createHash } from 'node:crypto';
import { canonicalJson, err, ok, type Failure, type Result } from '@tss/service-kit';
import type { QueuePosition } from './queue-order';

/**
 * Keyset cursors for the ticket list and the queue (docs/adr/0027): the sort keys of the last item
 * handed out, so the next page starts after it whatever was filed meanwhile. Opaque to clients:
 * base64url JSON plus a check value, bound to the filters it was issued for. The check is not a
 * secret (a forged cursor only moves the start of a page the caller may read anyway); it catches
 * edited, truncated or mixed-up cursors, which answer 400 instead of a wrong page.
 */
export interface TicketListPosition {
  receivedAt: Date;
  id: string;
}

const VERSION = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type Kind = 'tickets' | 'queue';
interface Envelope {
  v: number;
  k: Kind;
  /** Fingerprint of the filters the cursor was issued for. */
  f: string;
  /** The sort keys, in sort order. */
  p: unknown[];
}

const digest = (text: string, length: number): string => createHash('sha256').update(text).digest('base64url').slice(0, length);
const fingerprint = (filters: unknown): string => digest(canonicalJson(filters ?? {}), 12);
const checkOf = (body: string): string => digest(`tss-cursor:${body}`, 16);

const badCursor = (message: string): Failure => ({
  kind: 'bad_request',
  detail: `cursor: ${message}`,
  extensions: { errors: [{ in: 'querystring', pointer: '/cursor', message }] },
});

const encode = (k: Kind, filters: unknown, p: unknown[]): string => {
  const body = Buffer.from(JSON.stringify({ v: VERSION, k, f: fingerprint(filters), p } satisfies Envelope)).toString('base64url');
  return `${body}.${checkOf(body)}`;
};

const decode = (k: Kind, cursor: string, filters: unknown): Result<unknown[], Failure> => {
  const [body, check, ...rest] = cursor.split('.');
  if (!body || !check || rest.length > 0 || checkOf(body) !== check) return err(badCursor('not a cursor this API issued, or altered'));
  let envelope: Partial<Envelope>;
  try {
    envelope = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Envelope>;
  } catch {
    return err(badCursor('not a cursor this API issued, or altered'));
  }
  if (envelope.v !== VERSION || envelope.k !== k || !Array.isArray(envelope.p)) return err(badCursor(`not a cursor of this ${k === 'queue' ? 'queue' : 'list'}`));
  if (envelope.f !== fingerprint(filters)) return err(badCursor('issued for other filters; start again without it'));
  return ok(envelope.p);
};

const instant = (value: unknown): Date | undefined => (typeof value === 'string' && ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value)) ? new Date(value) : undefined);
const uuid = (value: unknown): string | undefined => (typeof value === 'string' && UUID.test(value) ? value : undefined);

export const encodeTicketListCursor = (position: TicketListPosition, filters: unknown): string =>
  encode('tickets', filters, [position.receivedAt.toISOString(), position.id]);

export const decodeTicketListCursor = (cursor: string, filters: unknown): Result<TicketListPosition, Failure> => {
  const decoded = decode('tickets', cursor, filters);
  if (!decoded.ok) return decoded;
  const [receivedAt, id] = [instant(decoded.value[0]), uuid(decoded.value[1])];
  return receivedAt && id && decoded.value.length === 2 ? ok({ receivedAt, id }) : err(badCursor('not a cursor this API issued, or altered'));
};

export const encodeQueueCursor = (position: QueuePosition, filters: unknown): string =>
  encode('queue', filters, [position.rank, position.dueAt.toISOString(), position.receivedAt.toISOString(), position.id]);

export const decodeQueueCursor = (cursor: string, filters: unknown): Result<QueuePosition, Failure> => {
  const decoded = decode('queue', cursor, filters);
  if (!decoded.ok) return decoded;
  const [rank, dueAt, receivedAt, id] = [decoded.value[0], instant(decoded.value[1]), instant(decoded.value[2]), uuid(decoded.value[3])];
  return (rank === 0 || rank === 1) && dueAt && receivedAt && id && decoded.value.length === 4
    ? ok({ rank, dueAt, receivedAt, id })
    : err(badCursor('not a cursor this API issued, or altered'));
};
