/**
 * A data key (or any small secret) encrypted under a master key. `masterKeyId` names the master
 * key that wrapped it, so unwrapping finds it after the current master key has changed;
 * `ciphertext` is opaque to callers (each adapter lays out its own nonce and tag in it).
 */
export interface WrappedKey {
  masterKeyId: string;
  ciphertext: Buffer;
}

/**
 * The key-wrapping port (docs/adr/0014): envelope encryption for secrets at rest, the gateway's
 * signing keys now and the credentials vault's data keys (P9) later. The local adapter uses
 * master keys from configuration; a KMS adapter would keep them out of the process.
 */
export interface KeyWrapper {
  /** The master key `wrap` uses now; a wrapped key under another one is due for re-wrapping. */
  readonly currentMasterKeyId: string;
  wrap(plain: Buffer): Promise<WrappedKey>;
  /** Throws KeyUnwrapError when the master key is unknown or the ciphertext was altered. */
  unwrap(wrapped: WrappedKey): Promise<Buffer>;
}

/** A wrapped key that cannot be opened: unknown master key, or tampered ciphertext or id. */
export class KeyUnwrapError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KeyUnwrapError';
  }
}

/** Master-key rotation: a key wrapped under an older master key, wrapped again under the current one. */
export const rewrapUnderCurrent = async (wrapper: KeyWrapper, wrapped: WrappedKey): Promise<WrappedKey> =>
  wrapped.masterKeyId === wrapper.currentMasterKeyId ? wrapped : wrapper.wrap(await wrapper.unwrap(wrapped));
