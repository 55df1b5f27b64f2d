import { createCipheriv, createDecipheriv } from 'node:crypto';
import { err, ok, type Result } from '@tss/service-kit';

/** AES-256-GCM: a 32-byte data key per credential, a 12-byte nonce (NIST SP 800-38D), a 16-byte tag. */
export const DATA_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** What one secret is bound to: its ciphertext opens only under this credential id and ticket id. */
export interface CredentialBinding {
  credentialId: string;
  ticketId: string;
}

/** The access particulars themselves; only ever held in memory, encrypted at rest as one JSON document. */
export interface CredentialSecret {
  login?: string;
  secret: string;
  note?: string;
}

export interface SealedCredential {
  ciphertext: Buffer;
  nonce: Buffer;
  tag: Buffer;
}

export type RandomBytes = (size: number) => Buffer;

/**
 * The additional authenticated data: a ciphertext moved to another credential's or ticket's row
 * fails to open instead of revealing its secret there. Versioned so a later layout cannot be confused with this one.
 */
const aadOf = (binding: CredentialBinding): Buffer => Buffer.from(`tss.credential.v1\u0000${binding.credentialId}\u0000${binding.ticketId}`, 'utf8');

/** A fresh data key: each secret gets its own, so destroying one key destroys exactly one secret (P9). */
export const newDataKey = (random: RandomBytes): Buffer => random(DATA_KEY_BYTES);

export const sealCredential = (dataKey: Buffer, binding: CredentialBinding, secret: CredentialSecret, random: RandomBytes): SealedCredential => {
  if (dataKey.length !== DATA_KEY_BYTES) throw new Error(`a data key is ${DATA_KEY_BYTES} bytes, not ${dataKey.length}`);
  const nonce = random(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadOf(binding));
  const plain = Buffer.from(JSON.stringify(secret), 'utf8');
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  plain.fill(0);
  return { ciphertext, nonce, tag: cipher.getAuthTag() };
};

/** Opens a sealed credential; `undecryptable` for a wrong key, a wrong binding or altered bytes. */
export const openCredential = (dataKey: Buffer, binding: CredentialBinding, sealed: SealedCredential): Result<CredentialSecret, 'undecryptable'> => {
  if (dataKey.length !== DATA_KEY_BYTES || sealed.nonce.length !== NONCE_BYTES || sealed.tag.length !== TAG_BYTES) return err('undecryptable');
  const decipher = createDecipheriv('aes-256-gcm', dataKey, sealed.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aadOf(binding));
  decipher.setAuthTag(sealed.tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    // GCM authentication failed: that is the answer, not an error to pass on.
    return err('undecryptable');
  }
  const parsed = JSON.parse(plain.toString('utf8')) as CredentialSecret;
  plain.fill(0);
  return ok(parsed);
};
