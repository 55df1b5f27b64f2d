import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** Standard Webhooks: secrets are `whsec_` + base64 of the key bytes. */
export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 24;

export const newWebhookSecret = (): string => `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;

/**
 * Each secret's key as a `KeyObject`, made once: HMAC with a Buffer key spends most of its time
 * preparing that key (14 µs against 3 µs per signature on Node 24), 11 % of a replica's busy time
 * in the webhooks benchmark (docs/performance.md). Bounded: cleared past `KEY_CACHE_MAX` secrets.
 */
const keys = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 10_000;

const keyOf = (secret: string): KeyObject => {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= KEY_CACHE_MAX) keys.clear();
    key = createSecretKey(Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64'));
    keys.set(secret, key);
  }
  return key;
};

/** One `v1,<base64 HMAC-SHA256>` over `id.timestamp.body` (Standard Webhooks, "Signature scheme"). */
export const signatureOf = (secret: string, messageId: string, timestampSeconds: number, body: string): string =>
  `v1,${createHmac('sha256', keyOf(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64')}`;

/**
 * The `webhook-signature` header: one signature per secret in force, space-separated, so a
 * receiver holding either the new or the old secret verifies during a rotation.
 */
export const signatureHeader = (secrets: readonly string[], messageId: string, timestampSeconds: number, body: string): string =>
  secrets.map((s) => signatureOf(s, messageId, timestampSeconds, body)).join(' ');
