import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { err, ok, type Result } from '../result';
import { KeyUnwrapError, type KeyWrapper, type WrappedKey } from './key-wrapper';

const MASTER_KEY_BYTES = 32; // AES-256
const NONCE_BYTES = 12; // the GCM nonce size NIST SP 800-38D recommends
const TAG_BYTES = 16;
const MASTER_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** `TSS_MASTER_KEYS`: `id:base64key` comma-separated, the current key first, older ones after it for unwrapping. */
export const MasterKeysSetting = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/=_-]+(\\s*,\\s*[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/=_-]+)*$',
  description: 'Master keys for wrapping secrets at rest, `id:base64(32 bytes)` comma-separated; the first one wraps, all unwrap',
});

export interface MasterKey {
  id: string;
  key: Buffer;
}

/** Parses `TSS_MASTER_KEYS`; every bad entry is named (without its key material). */
export const parseMasterKeys = (setting: string): Result<MasterKey[], string[]> => {
  const problems: string[] = [];
  const keys: MasterKey[] = [];
  for (const entry of setting.split(',').map((e) => e.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? entry : entry.slice(0, colon);
    const key = Buffer.from(colon < 0 ? '' : entry.slice(colon + 1), 'base64');
    if (!MASTER_KEY_ID.test(id)) problems.push(`master key id "${id}" is not 1-64 of [A-Za-z0-9._-]`);
    else if (key.length !== MASTER_KEY_BYTES) problems.push(`master key ${id} is ${key.length} bytes, not ${MASTER_KEY_BYTES}`);
    else if (keys.some((k) => k.id === id)) problems.push(`master key id ${id} appears twice`);
    else keys.push({ id, key });
  }
  if (keys.length === 0 && problems.length === 0) problems.push('no master key given');
  return problems.length > 0 ? err(problems) : ok(keys);
};

/**
 * AES-256-GCM under master keys held in this process. The master key's id is authenticated data,
 * so a ciphertext relabelled with another id fails to open rather than decrypting under it.
 * Layout of `ciphertext`: nonce (12) | tag (16) | encrypted bytes.
 */
export class LocalKeyWrapper implements KeyWrapper {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly current: MasterKey;

  constructor(masterKeys: readonly MasterKey[]) {
    const [current] = masterKeys;
    if (!current) throw new Error('LocalKeyWrapper needs at least one master key');
    this.current = current;
    this.byId = new Map(masterKeys.map((k) => [k.id, k.key]));
  }

  get currentMasterKeyId(): string {
    return this.current.id;
  }

  async wrap(plain: Buffer): Promise<WrappedKey> {
    const key = this.current.key;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(this.currentMasterKeyId));
    const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { masterKeyId: this.currentMasterKeyId, ciphertext: Buffer.concat([nonce, cipher.getAuthTag(), encrypted]) };
  }

  async unwrap(wrapped: WrappedKey): Promise<Buffer> {
    const key = this.byId.get(wrapped.masterKeyId);
    if (!key) throw new KeyUnwrapError(`master key ${wrapped.masterKeyId} is not configured`);
    if (wrapped.ciphertext.length < NONCE_BYTES + TAG_BYTES) throw new KeyUnwrapError('wrapped key is truncated');
    const nonce = wrapped.ciphertext.subarray(0, NONCE_BYTES);
    const tag = wrapped.ciphertext.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(wrapped.masterKeyId));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(wrapped.ciphertext.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (error) {
      throw new KeyUnwrapError(`wrapped key does not open under master key ${wrapped.masterKeyId}`, { cause: error });
    }
  }
}
