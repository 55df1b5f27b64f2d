import { randomBytes } from 'node:crypto';
import { KeyUnwrapError, rewrapUnderCurrent, type KeyWrapper } from '../key-wrapper';

/** Three wrappers of one adapter: `before` and `after` share the old master key, `after` wraps under a new one; `unrelated` shares none. */
export interface KeyWrapperFixture {
  before: KeyWrapper;
  after: KeyWrapper;
  unrelated: KeyWrapper;
}

/**
 * What every KeyWrapper adapter promises (the gateway's signing keys and the credentials vault rely
 * on it): a round trip gives the bytes back, the wrapped form hides them, tampering and unknown
 * master keys fail loudly (KeyUnwrapError), and master-key rotation re-wraps without loss.
 */
export const describeKeyWrapperContract = (name: string, makeFixture: () => Promise<KeyWrapperFixture>): void => {
  describe(`key-wrapping contract: ${name}`, () => {
    let fixture: KeyWrapperFixture;

    beforeAll(async () => {
      fixture = await makeFixture();
    });

    it('unwrap gives back exactly the wrapped bytes, small and large', async () => {
      for (const plain of [randomBytes(32), randomBytes(4096), Buffer.from('-----BEGIN PRIVATE KEY-----\nMIG…\n')]) {
        const wrapped = await fixture.before.wrap(plain);
        expect((await fixture.before.unwrap(wrapped)).equals(plain)).toBe(true);
      }
    });

    it('the wrapped form names the current master key and does not contain the plaintext', async () => {
      const plain = Buffer.from('a signing key that must never be stored in the clear');
      const wrapped = await fixture.before.wrap(plain);

      expect(wrapped.masterKeyId).toBe(fixture.before.currentMasterKeyId);
      expect(wrapped.ciphertext.includes(plain)).toBe(false);
      expect(wrapped.ciphertext.includes(plain.subarray(0, 16))).toBe(false);
    });

    it('wrapping the same bytes twice gives different ciphertexts (no deterministic encryption)', async () => {
      const plain = randomBytes(32);
      const [a, b] = [await fixture.before.wrap(plain), await fixture.before.wrap(plain)];

      expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    });

    it('a flipped bit anywhere in the ciphertext fails with KeyUnwrapError', async () => {
      const wrapped = await fixture.before.wrap(randomBytes(32));
      for (const at of [0, Math.floor(wrapped.ciphertext.length / 2), wrapped.ciphertext.length - 1]) {
        const tampered = Buffer.from(wrapped.ciphertext);
        tampered[at] ^= 0x01;
        await expect(fixture.before.unwrap({ ...wrapped, ciphertext: tampered })).rejects.toBeInstanceOf(KeyUnwrapError);
      }
      await expect(fixture.before.unwrap({ ...wrapped, ciphertext: wrapped.ciphertext.subarray(0, 4) })).rejects.toBeInstanceOf(KeyUnwrapError);
    });

    it('a key wrapped under a master key the wrapper does not hold fails with KeyUnwrapError', async () => {
      const foreign = await fixture.unrelated.wrap(randomBytes(32));

      await expect(fixture.before.unwrap(foreign)).rejects.toBeInstanceOf(KeyUnwrapError);
      await expect(fixture.before.unwrap({ ...foreign, masterKeyId: fixture.before.currentMasterKeyId })).rejects.toBeInstanceOf(KeyUnwrapError);
    });

    it('after a master-key rotation old wrapped keys still open, and re-wrapping moves them to the new key', async () => {
      const plain = randomBytes(32);
      const old = await fixture.before.wrap(plain);
      expect(fixture.after.currentMasterKeyId).not.toBe(fixture.before.currentMasterKeyId);

      expect((await fixture.after.unwrap(old)).equals(plain)).toBe(true);
      const rewrapped = await rewrapUnderCurrent(fixture.after, old);
      expect(rewrapped.masterKeyId).toBe(fixture.after.currentMasterKeyId);
      expect((await fixture.after.unwrap(rewrapped)).equals(plain)).toBe(true);
      // The old master key alone no longer opens it: it can be retired once every key is re-wrapped.
      await expect(fixture.before.unwrap(rewrapped)).rejects.toBeInstanceOf(KeyUnwrapError);
      // A key already under the current master key is left as it is.
      expect(await rewrapUnderCurrent(fixture.after, rewrapped)).toBe(rewrapped);
    });
  });
};
