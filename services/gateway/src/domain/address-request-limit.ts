import { createHash } from 'node:crypto';

/**
 * The public form may name an address in at most MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR
 * requests an hour, the bound inbound mail keeps (docs/adr/0037, addendum of 2026-12-04, third
 * session): each request sends that address an acknowledgment, and nobody may have a stranger sent
 * them without end. Pure rules; the count is the store's.
 */
export const ADDRESS_REQUEST_WINDOW_MS = 60 * 60_000;

/** An address as it is counted: case-folded, then digested, so the gateway keeps no list of them. */
export const addressDigest = (address: string): string => createHash('sha256').update(`tss/site/form-address/v1:${address.trim().toLowerCase()}`).digest('base64url');

/** Requests naming one address within the window before `now`, oldest first. */
export interface AddressRequests {
  count: number;
  oldestAt?: Date;
}

export type AddressVerdict = { allowed: true } | { allowed: false; limit: number; retryAfterSeconds: number };

/**
 * Whether one more request may name the address: a repeat of a request already counted (the same
 * form posted again) always may, and files nothing new; otherwise fewer than `limit` in the window.
 * A refusal says when the oldest leaves the window.
 */
export const judgeAddressRequest = (input: { earlier: AddressRequests; alreadyCounted: boolean; limit: number; now: Date }): AddressVerdict => {
  const { earlier, limit, now } = input;
  if (input.alreadyCounted || earlier.count < limit) return { allowed: true };
  const freedAtMs = (earlier.oldestAt?.getTime() ?? now.getTime()) + ADDRESS_REQUEST_WINDOW_MS;
  return { allowed: false, limit, retryAfterSeconds: Math.max(1, Math.ceil((freedAtMs - now.getTime()) / 1000)) };
};
