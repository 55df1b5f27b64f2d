import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { jsonWithoutAccessParticulars, REMOVED_PARTICULARS } from './credential-detection';

/**
 * P9: what tells a retried request from another one (an Idempotency-Key's fingerprint, a ticket's
 * or a message's own check) without letting anyone test a guess of its access particulars once the
 * vault has destroyed them. SHA-256 of the canonical JSON of `value` (keys sorted: a retry that
 * orders its fields differently is the same request), after:
 * - every access particular in its strings is replaced by `[access particulars removed]`, with the
 *   detection that masks them where the text is kept (credential-detection.ts), so the digest is
 *   of what a dump of the masked rows shows already;
 * - each top-level member named in `sealedMembers` (a vault's secret, login and note, which no
 *   detection finds) is replaced by the same placeholder, counted present, never by its value.
 * A key with the hash (HMAC) would not do: its key would outlive the destruction. The cost: two
 * requests that differ only in their particulars are the same request (docs/adr/0028, addendum of
 * 2026-12-05, fourth session). A value without particulars or sealed members digests as its
 * canonical JSON always did, so verifiers kept before match those made now.
 */
export const requestVerifier = (value: unknown, sealedMembers: readonly string[] = []): string => {
  const withoutParticulars = jsonWithoutAccessParticulars(value);
  return createHash('sha256')
    .update(canonicalJson(sealMembers(withoutParticulars, sealedMembers)) ?? '')
    .digest('hex');
};

const sealMembers = (value: unknown, sealedMembers: readonly string[]): unknown => {
  if (sealedMembers.length === 0 || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const members = value as Record<string, unknown>;
  if (!sealedMembers.some((name) => members[name] !== undefined)) return value;
  return Object.fromEntries(Object.entries(members).map(([name, member]) => [name, sealedMembers.includes(name) && member !== undefined ? REMOVED_PARTICULARS : member]));
};
