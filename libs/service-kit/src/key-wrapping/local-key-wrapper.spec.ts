import { randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { LocalKeyWrapper, MasterKeysSetting, parseMasterKeys } from './local-key-wrapper';
import { describeKeyWrapperContract } from './testing/key-wrapper-contract';

const masterKey = (id: string) => ({ id, key: randomBytes(32) });

describeKeyWrapperContract('local AES-256-GCM', async () => {
  const k1 = masterKey('k1');
  const k2 = masterKey('k2');
  return {
    before: new LocalKeyWrapper([k1]),
    after: new LocalKeyWrapper([k2, k1]),
    unrelated: new LocalKeyWrapper([masterKey('other')]),
  };
});

describe('TSS_MASTER_KEYS', () => {
  const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

  it('takes id:base64 pairs, the first one current', () => {
    const setting = `k2:${b64(32)}, k1:${b64(32)}`;
    const parsed = parseMasterKeys(setting);

    expect(Value.Check(MasterKeysSetting, setting)).toBe(true);
    expect(parsed.ok && parsed.value.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(parsed.ok && new LocalKeyWrapper(parsed.value).currentMasterKeyId).toBe('k2');
  });

  it('names every bad entry without echoing key material', () => {
    const short = b64(16);
    const parsed = parseMasterKeys(`k1:${short},k1:${b64(32)},bad id:${b64(32)},k3:${b64(32)},k3:${b64(32)}`);

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toEqual(['master key k1 is 16 bytes, not 32', 'master key id "bad id" is not 1-64 of [A-Za-z0-9._-]', 'master key id k3 appears twice']);
    expect(parsed.error.join(' ')).not.toContain(short);
  });
});
