import path from 'node:path';
import { jsonWithoutKeptPrivateKeys, withoutKeptPrivateKeys } from '../src/credential-detection';
import type { findKeyRemainders } from '../src/private-key-remainders';
import { callOffThread, OFF_THREAD_TEST_TIMEOUT_MS, stopCallsOffThread } from '../src/testing/call-off-thread';

const REMOVED = '[access particulars removed]';
const VAULTED = '[credentials stored securely: TSS vault #1a2b3c4d]';
const RSA_BODY = ['MIIEowIBAAKCAQEAtRT5PRIVKEYMARK9x8y7z6', 'AbCdEf0123456789=='];
const RSA = ['-----BEGIN RSA PRIVATE KEY-----', ...RSA_BODY, '-----END RSA PRIVATE KEY-----'].join('\n');

// docs/adr/0026, addendum of 2026-12-05, sixth session: before private keys were particulars,
// "password: -----BEGIN …" lost only its "-----BEGIN" to the password's value, and the rest of the
// block stayed as the older release masked it, with no BEGIN line for the detection to find.
describe('P9: what older releases kept of private keys (upgrades)', () => {
  describe('a key half-masked as a password value loses its headless remainder', () => {
    it.each([
      ['lines, after the removal placeholder', `password: ${REMOVED} RSA PRIVATE KEY-----\n${RSA_BODY.join('\n')}\n-----END RSA PRIVATE KEY-----\nThanks, Ann`, `password: ${REMOVED}\nThanks, Ann`],
      ['lines, after the vault placeholder', `Login fails, ${VAULTED} OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQMARK\n-----END OPENSSH PRIVATE KEY-----`, `Login fails, ${VAULTED}`],
      ['one line', `Hi. ${REMOVED} EC PRIVATE KEY----- MHcCAQEEIBkg4LVWM9nuwNSkMARK3yByxZp Ag== -----END EC PRIVATE KEY----- Thanks`, `Hi. ${REMOVED} Thanks`],
      ['\\r\\n, PGP armour headers', `${REMOVED} PGP PRIVATE KEY BLOCK-----\r\nVersion: GnuPG v2\r\n\r\nlQOYBF3kQ2EBCADKpX9v7e3Yk0a1MARK\r\n=Xk9f\r\n-----END PGP PRIVATE KEY BLOCK-----\r\nBye`, `${REMOVED}\r\nBye`],
      ['an encrypted PEM, its headers and a short last line', `${REMOVED} RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF\n\n${RSA_BODY[0]}\nAg\n-----END RSA PRIVATE KEY-----`, REMOVED],
      ['the first line replaced whole: the base64 lines and the END line', `password: ${REMOVED}\n${RSA_BODY.join('\n')}\n-----END RSA PRIVATE KEY-----`, `password: ${REMOVED}`],
      ['with no placeholder before it (a cut copy)', `cut here\n${RSA_BODY[0]}\n-----END RSA PRIVATE KEY-----\nbye`, `cut here\n${REMOVED}\nbye`],
    ])('%s', (_shape, kept, upgraded) => {
      expect(withoutKeptPrivateKeys(kept)).toBe(upgraded);
      expect(withoutKeptPrivateKeys(upgraded)).toBe(upgraded);
    });
  });

  it('whole keys go as withoutPrivateKeys takes them, with a remainder in the same text', () => {
    const kept = `Key:\n${RSA}\nand the old one: ${REMOVED} RSA PRIVATE KEY-----\n${RSA_BODY.join('\n')}\n-----END RSA PRIVATE KEY-----`;
    expect(withoutKeptPrivateKeys(kept)).toBe(`Key:\n${REMOVED}\nand the old one: ${REMOVED}`);
  });

  it.each([
    ['an END line named in prose', 'The file ends with -----END RSA PRIVATE KEY----- as usual'],
    ['an END line after a line of prose', 'Line\n-----END RSA PRIVATE KEY-----'],
    ['a placeholder for the body', 'It looks like\n...\n-----END RSA PRIVATE KEY-----'],
    ['a public key and a certificate', '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUF\n-----END CERTIFICATE-----'],
  ])('%s stays as written', (_shape, text) => {
    expect(withoutKeptPrivateKeys(text)).toBe(text);
  });

  it('JSON: every string, shape kept; the very same value when nothing changes', () => {
    const kept = { reason: `Needs a fix; admin ${REMOVED} RSA PRIVATE KEY-----\n${RSA_BODY.join('\n')}\n-----END RSA PRIVATE KEY-----`, n: 3, notes: ['ok'] };
    expect(jsonWithoutKeptPrivateKeys(kept)).toEqual({ reason: `Needs a fix; admin ${REMOVED}`, n: 3, notes: ['ok'] });
    const clean = { reason: 'The password reset page fails', notes: [] };
    expect(jsonWithoutKeptPrivateKeys(clean)).toBe(clean);
  });

  describe('time linear in the text (docs/adr/0061)', () => {
    const REMAINDERS = path.join(__dirname, '../src/private-key-remainders.ts');
    const findOffThread = (text: string) => callOffThread<typeof findKeyRemainders>(REMAINDERS, 'findKeyRemainders', text);
    afterEach(stopCallsOffThread);

    it.each([
      ['6,000 END lines after base64 lines', `${`${RSA_BODY[0]}\n-----END RSA PRIVATE KEY-----\n`.repeat(6_000)}`, 6_000],
      ['6,000 END lines in one line, no material', `${'abc -----END RSA PRIVATE KEY----- '.repeat(6_000)}`, 0],
      ['one END after 200,000 characters of base64 lines', `${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw\n'.repeat(4_500)}-----END RSA PRIVATE KEY-----`, 1],
    ])('%s', async (_shape, text, count) => {
      expect(await findOffThread(text)).toHaveLength(count);
    }, OFF_THREAD_TEST_TIMEOUT_MS);
  });
});
