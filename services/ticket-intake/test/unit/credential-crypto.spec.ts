import { randomBytes, randomUUID } from 'node:crypto';
import { newDataKey, openCredential, sealCredential } from '../../src/domain/credential-crypto';

describe('P9: envelope encryption of one credential (AES-256-GCM)', () => {
  const binding = { credentialId: randomUUID(), ticketId: randomUUID() };
  const secret = { login: 'support-tmp', secret: 'Tmp-7f3Kq9!x', note: 'admin panel' };

  it('a sealed credential opens under its data key and binding, and its ciphertext does not hold the secret', () => {
    const key = newDataKey(randomBytes);
    const sealed = sealCredential(key, binding, secret, randomBytes);

    expect(sealed.ciphertext.toString('utf8')).not.toContain(secret.secret);
    expect(sealed.nonce).toHaveLength(12);
    expect(sealed.tag).toHaveLength(16);
    expect(openCredential(key, binding, sealed)).toEqual({ ok: true, value: secret });
  });

  it('each secret has its own key: another data key does not open it', () => {
    const sealed = sealCredential(newDataKey(randomBytes), binding, secret, randomBytes);
    expect(openCredential(newDataKey(randomBytes), binding, sealed)).toEqual({ ok: false, error: 'undecryptable' });
  });

  it('the ciphertext is bound to its credential id and ticket id (AAD)', () => {
    const key = newDataKey(randomBytes);
    const sealed = sealCredential(key, binding, secret, randomBytes);
    expect(openCredential(key, { ...binding, credentialId: randomUUID() }, sealed).ok).toBe(false);
    expect(openCredential(key, { ...binding, ticketId: randomUUID() }, sealed).ok).toBe(false);
  });

  it('altered ciphertext, nonce or tag does not open', () => {
    const key = newDataKey(randomBytes);
    const sealed = sealCredential(key, binding, secret, randomBytes);
    const flip = (b: Buffer) => Buffer.from(b.map((byte, i) => (i === 0 ? byte ^ 1 : byte)));
    expect(openCredential(key, binding, { ...sealed, ciphertext: flip(sealed.ciphertext) }).ok).toBe(false);
    expect(openCredential(key, binding, { ...sealed, nonce: flip(sealed.nonce) }).ok).toBe(false);
    expect(openCredential(key, binding, { ...sealed, tag: flip(sealed.tag) }).ok).toBe(false);
  });

  it('sealing the same secret twice gives different ciphertexts (a fresh nonce each time)', () => {
    const key = newDataKey(randomBytes);
    const a = sealCredential(key, binding, secret, randomBytes);
    const b = sealCredential(key, binding, secret, randomBytes);
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });
});
