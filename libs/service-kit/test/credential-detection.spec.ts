import path from 'node:path';
import { fileNameParts, fileNameWithoutAccessParticulars, findCredentials, jsonWithoutAccessParticulars, jsonWithoutPrivateKeys, maskCredentials, withoutPrivateKeys } from '../src/credential-detection';
import { callOffThread, OFF_THREAD_TEST_TIMEOUT_MS, stopCallsOffThread } from '../src/testing/call-off-thread';

const mask = (text: string) => maskCredentials(text, findCredentials(text), (_f, i) => `[vault #${i}]`);
const found = (text: string) => findCredentials(text).map(({ login, secret }) => (login === undefined ? { secret } : { login, secret }));

describe('P9: access particulars in a message', () => {
  describe('English phrasings are found and masked', () => {
    it.each([
      ['password: Hunter2!', '[vault #0]', [{ secret: 'Hunter2!' }]],
      ['Password = s3cr3t; see you', '[vault #0]; see you', [{ secret: 's3cr3t' }]],
      ['pwd: tr0ub4dor', '[vault #0]', [{ secret: 'tr0ub4dor' }]],
      ['login/pass: admin/Qwerty123', '[vault #0]', [{ login: 'admin', secret: 'Qwerty123' }]],
      ['user/password admin qwerty42 thanks', '[vault #0] thanks', [{ login: 'admin', secret: 'qwerty42' }]],
      ['username: bob password: b0b$ecret thanks', '[vault #0] thanks', [{ login: 'bob', secret: 'b0b$ecret' }]],
      ['Login: admin\nPassword: qwerty', '[vault #0]', [{ login: 'admin', secret: 'qwerty' }]],
      ['my password is Qwerty123.', 'my [vault #0].', [{ secret: 'Qwerty123' }]],
      ['password for the admin panel: Adm1n!', '[vault #0]', [{ secret: 'Adm1n!' }]],
      ['password: "correct horse battery staple" ok?', '[vault #0] ok?', [{ secret: 'correct horse battery staple' }]],
      ['see https://admin:Secr3t@example.com/login', 'see https://[vault #0]@example.com/login', [{ login: 'admin', secret: 'Secr3t' }]],
    ])('%j', (text, masked, secrets) => {
      expect(mask(text)).toBe(masked);
      expect(found(text)).toEqual(secrets);
    });
  });

  describe('Russian phrasings are found and masked', () => {
    it.each([
      ['пароль: Qwerty123', '[vault #0]', [{ secret: 'Qwerty123' }]],
      ['Пароль — qwerty123', '[vault #0]', [{ secret: 'qwerty123' }]],
      ['логин admin пароль qwerty', '[vault #0]', [{ login: 'admin', secret: 'qwerty' }]],
      ['Логин: ivanov, пароль: 12345678', '[vault #0]', [{ login: 'ivanov', secret: '12345678' }]],
      ['логин/пароль: admin/admin123', '[vault #0]', [{ login: 'admin', secret: 'admin123' }]],
      ['Пароль от личного кабинета: Kab1net', '[vault #0]', [{ secret: 'Kab1net' }]],
      ['пароль 12345678 не подходит', '[vault #0] не подходит', [{ secret: '12345678' }]],
      ['Добрый день! Логин: test@example.com\nПароль: Zx!9vq\nСпасибо', 'Добрый день! [vault #0]\nСпасибо', [{ login: 'test@example.com', secret: 'Zx!9vq' }]],
    ])('%j', (text, masked, secrets) => {
      expect(mask(text)).toBe(masked);
      expect(found(text)).toEqual(secrets);
    });
  });

  it('several particulars in one message are each found, in order', () => {
    const text = 'Admin: login: root password: R00t!pass. Reader: пароль: Chit4tel';
    expect(found(text)).toEqual([{ login: 'root', secret: 'R00t!pass' }, { secret: 'Chit4tel' }]);
    expect(mask(text)).toBe('Admin: [vault #0]. Reader: [vault #1]');
  });

  describe('ordinary text is left as written (no false masking)', () => {
    it.each([
      'forgot password page',
      'The forgot password page returns error 500',
      'пароль не приходит',
      'Пароль не приходит на почту уже второй день',
      "I can't reset my password: the link is expired",
      'password reset page shows error 500',
      'password requirements: 8 characters',
      'Смена пароля: не работает',
      'логин и пароль не подходят',
      'The login page and password field are broken',
      'Где поменять пароль?',
      'Passport: 1234',
      'user: John',
      'Password: ********',
      'Login: admin',
      'Пароль: [credentials stored securely: TSS vault #1a2b3c4d]',
    ])('%j', (text) => {
      expect(findCredentials(text)).toEqual([]);
      expect(mask(text)).toBe(text);
    });
  });

  // docs/adr/0026, addendum of 2026-12-05, fourth session: "Login fails, password: x" names no login.
  describe('a word of prose after "login" without a separator is no login: only the password is masked', () => {
    it.each([
      ['Login fails, password: hunter2', 'Login fails, [vault #0]', [{ secret: 'hunter2' }]],
      ['User stopped working; password: Qw3rty!', 'User stopped working; [vault #0]', [{ secret: 'Qw3rty!' }]],
      ['Логин работает, пароль: Qwerty123', 'Логин работает, [vault #0]', [{ secret: 'Qwerty123' }]],
    ])('%j', (text, masked, secrets) => {
      expect(mask(text)).toBe(masked);
      expect(found(text)).toEqual(secrets);
    });

    it.each([
      ['login admin password qwerty42', '[vault #0]', [{ login: 'admin', secret: 'qwerty42' }]],
      ['Login: fails, password: hunter2', '[vault #0]', [{ login: 'fails', secret: 'hunter2' }]],
    ])('a login after the keyword, or any value after a separator, still pairs: %j', (text, masked, secrets) => {
      expect(mask(text)).toBe(masked);
      expect(found(text)).toEqual(secrets);
    });
  });

  // docs/adr/0026, addendum of 2026-12-05, first session: a common English word after "password:"
  // is prose, not a password, whoever wrote it; an API key or token after its label is a particular.
  describe('a common word after "password:" is prose, whoever wrote it', () => {
    it.each([
      'Your password: should be changed.',
      'My password: is not accepted by the portal',
      'The new password: must have 8 characters',
      'Your password: will expire tomorrow',
      'Password: has expired, please send a new link',
      'password: still not working after the reset',
      'Пароль: должен содержать цифры',
      'Пароль: уже сменили, спасибо',
    ])('%j', (text) => {
      expect(findCredentials(text)).toEqual([]);
      expect(mask(text)).toBe(text);
    });

    it.each([
      ['Your password: Should2Change!', 'Your [vault #0]', [{ secret: 'Should2Change!' }]],
      ['password: qwerty', '[vault #0]', [{ secret: 'qwerty' }]],
      ['password: "should"', '[vault #0]', [{ secret: 'should' }]],
    ])('a value that is no common word is still taken: %j', (text, masked, secrets) => {
      expect(mask(text)).toBe(masked);
      expect(found(text)).toEqual(secrets);
    });
  });

  describe('API keys and tokens after their label are particulars', () => {
    it.each([
      ['API key: sk_live_abcdef1234567890XYZ', '[vault #0]', [{ secret: 'sk_live_abcdef1234567890XYZ' }]],
      ['Our API key: sk_live_abcdef1234567890XYZ.', 'Our [vault #0].', [{ secret: 'sk_live_abcdef1234567890XYZ' }]],
      ['api_key=sk_test_4eC39HqLyjWDarjtT1zdp7dc&mode=test', '[vault #0]&mode=test', [{ secret: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc' }]],
      ['STRIPE_API_KEY=sk_live_abcdef1234567890XYZ', 'STRIPE_[vault #0]', [{ secret: 'sk_live_abcdef1234567890XYZ' }]],
      ['apikey: 0123456789abcdef', '[vault #0]', [{ secret: '0123456789abcdef' }]],
      ['Access token: ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'Access [vault #0]', [{ secret: 'ghp_16C7e42F292c6912E7710c838347Ae178B4a' }]],
      ['token = 9f8e7d6c5b4a3210', '[vault #0]', [{ secret: '9f8e7d6c5b4a3210' }]],
      ['Client secret: Zq8-xLr2_Pw9vT', 'Client [vault #0]', [{ secret: 'Zq8-xLr2_Pw9vT' }]],
      ['secret key for the webhook: whsec_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH', '[vault #0]', [{ secret: 'whsec_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH' }]],
      ['AWS access key: AKIAIOSFODNN7EXAMPLE', 'AWS [vault #0]', [{ secret: 'AKIAIOSFODNN7EXAMPLE' }]],
      ['my API key is sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'my [vault #0]', [{ secret: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc' }]],
      ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'Authorization: [vault #0]', [{ secret: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl' }]],
      ['Токен: 1a2b3c4d5e6f7a8b', '[vault #0]', [{ secret: '1a2b3c4d5e6f7a8b' }]],
      ['API-ключ: AKIAIOSFODNN7EXAMPLE', '[vault #0]', [{ secret: 'AKIAIOSFODNN7EXAMPLE' }]],
    ])('%j', (text, masked, secrets) => {
      expect(mask(text)).toBe(masked);
      expect(found(text)).toEqual(secrets);
    });

    it.each([
      'Where do I find my API key?',
      'API key: missing from the request',
      'The API key is invalid since Monday',
      'Token: expired',
      'The access token expires after 1 hour',
      'CSRF token mismatch on the login form',
      'Unexpected token < in JSON at position 0',
      "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON",
      'The secret is to restart the service twice',
      'Top secret: the release date',
      'Invalid token TKN-1234 in the request',
      'The token: see the attached screenshot',
      'Смена API-ключа не работает',
      'Токен: истёк',
    ])('ordinary text with such a label is left as written: %j', (text) => {
      expect(findCredentials(text)).toEqual([]);
      expect(mask(text)).toBe(text);
    });
  });

  // docs/adr/0026, addendum of 2026-12-05, fifth session: a private key is an access particular.
  describe('a private key (PEM, PGP, PuTTY) is one particular, the whole block, its kind kept', () => {
    const RSA = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtRT5PRIVKEYMARKER9x8y7z6\nQ2hlY2sgdGhpcyBpcyBub3QgYSByZWFsIGtleQ==\n-----END RSA PRIVATE KEY-----';
    const OPENSSH = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5MARK\n-----END OPENSSH PRIVATE KEY-----';
    const PKCS8 = '-----BEGIN PRIVATE KEY-----\r\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\r\n-----END PRIVATE KEY-----';
    const ENCRYPTED = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----';
    const EC = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oIf7hrLkvDEk\n-----END EC PRIVATE KEY-----';
    const DSA = '-----BEGIN DSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,0123456789ABCDEF\n\nMIIBuwIBAAKBgQD1mNQbw7TbG1vsyd8sZ6M4L\n-----END DSA PRIVATE KEY-----';
    const PGP =
      '-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOYBF3kQ2EBCADKpX9v7e3Yk0a1b2c3d4e5f6\n=Xy9Z\n-----END PGP PRIVATE KEY BLOCK-----';
    const PUTTY = [
      'PuTTY-User-Key-File-3: ssh-ed25519',
      'Encryption: none',
      'Comment: eddsa-key-20261205',
      'Public-Lines: 2',
      'AAAAC3NzaC1lZDI1NTE5AAAAIPuttyPublicPart0123456789',
      'abcdef0123456789',
      'Private-Lines: 1',
      'AAAAIFPuttyPrivatePart0123456789abcdefABCDEF',
      'Private-MAC: 5b1e0f4a9c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f',
    ].join('\n');
    const keyFound = (text: string) => findCredentials(text).map(({ secret, keyKind }) => ({ secret, keyKind }));

    it.each([
      ['an RSA key (PKCS #1)', RSA, 'RSA private key'],
      ['an OpenSSH key', OPENSSH, 'OpenSSH private key'],
      ['a PKCS #8 key, lines ending in \\r\\n', PKCS8, 'private key'],
      ['an encrypted PKCS #8 key', ENCRYPTED, 'encrypted private key'],
      ['an EC key', EC, 'EC private key'],
      ['an encrypted DSA key with its headers', DSA, 'DSA private key'],
      ['a PGP private key block', PGP, 'PGP private key block'],
      ['a PuTTY key', PUTTY, 'PuTTY private key'],
      ['an SSH2 (RFC 4716 style) key', '---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: "rsa-key"\nP2/56wAAAi4AAAA3aWYtbW9kbntzaWdu\n---- END SSH2 ENCRYPTED PRIVATE KEY ----', 'SSH2 encrypted private key'],
    ])('%s, from its first line to its last, is one particular', (_kind, block, keyKind) => {
      const text = `Open it with ${block}\nThanks, Ann`;
      expect(mask(text)).toBe('Open it with [vault #0]\nThanks, Ann');
      expect(keyFound(text)).toEqual([{ secret: block, keyKind }]);
    });

    it('a key pasted into one line (its line breaks as spaces) is one particular', () => {
      const oneLine = RSA.replace(/\n/g, ' ');
      expect(mask(`key: ${oneLine} thanks`)).toBe('key: [vault #0] thanks');
      expect(keyFound(`key: ${oneLine} thanks`)).toEqual([{ secret: oneLine, keyKind: 'RSA private key' }]);
    });

    it('a password and a key in one message are two particulars, in order', () => {
      const text = `Login fails, password: X9still-Fails. Also my private key:\n${OPENSSH}\nRegards`;
      expect(found(text)).toEqual([{ secret: 'X9still-Fails' }, { secret: OPENSSH }]);
      expect(mask(text)).toBe('Login fails, [vault #0]. Also my private key:\n[vault #1]\nRegards');
    });

    it('a label right before the block does not take its first line away: the whole block is the key', () => {
      expect(found(`Token: ${RSA}`)).toEqual([{ secret: RSA }]);
      expect(found(`password: ${RSA.replace(/\n/g, ' ')}`)).toEqual([{ secret: RSA.replace(/\n/g, ' ') }]);
    });

    describe('a block whose END line is missing runs to the end of its key material', () => {
      it.each([
        ['cut at the end of the text', `Here: ${RSA.split('\n').slice(0, 2).join('\n')}`, 'Here: [vault #0]', RSA.split('\n').slice(0, 2).join('\n')],
        ['the key is the rest of the text', `Here:\n${RSA.split('\n').slice(0, 3).join('\n')}\n`, 'Here:\n[vault #0]\n', RSA.split('\n').slice(0, 3).join('\n')],
        ['prose on the next line stays', `${RSA.split('\n').slice(0, 3).join('\n')}\nThanks, Ann`, '[vault #0]\nThanks, Ann', RSA.split('\n').slice(0, 3).join('\n')],
        ['pasted into one line', `${RSA.split('\n').slice(0, 3).join(' ')}, thanks`, '[vault #0], thanks', RSA.split('\n').slice(0, 3).join(' ')],
        ['a PuTTY key without its MAC', `${PUTTY.split('\n').slice(0, 8).join('\n')}\nThanks, Ann`, '[vault #0]\nThanks, Ann', PUTTY.split('\n').slice(0, 8).join('\n')],
      ])('%s', (_shape, text, masked, secret) => {
        expect(mask(text)).toBe(masked);
        expect(found(text)).toEqual([{ secret }]);
      });

      it('a second key after a cut one is a particular of its own', () => {
        const cut = RSA.split('\n').slice(0, 2).join('\n');
        expect(found(`${cut}\n${EC}`)).toEqual([{ secret: cut }, { secret: EC }]);
      });
    });

    it.each([
      ['a public key', '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9x8y7z6PUBLICMARK\n-----END PUBLIC KEY-----'],
      ['an RSA public key', '-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEA0PUBLIC1234567890abcdef\n-----END RSA PUBLIC KEY-----'],
      ['a certificate', '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----'],
      ['a PGP public key block', '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBF3kQ2EBCADKpX9v7e3Yk0a1b2c3d4e5f6\n-----END PGP PUBLIC KEY BLOCK-----'],
      ['an OpenSSH public key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPuttyPublicPart0123456789 ann@laptop'],
      ['the header named in prose', 'The file must start with -----BEGIN OPENSSH PRIVATE KEY----- and be readable only by you.'],
      ['a placeholder between the lines', '-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----'],
      ['PuTTY named in prose', 'PuTTYgen saves a PuTTY-User-Key-File-3: file; see its Public-Lines: field.'],
    ])('%s stays as written', (_what, text) => {
      expect(findCredentials(text)).toEqual([]);
      expect(mask(text)).toBe(text);
    });

    it('a certificate beside a key stays; only the key is masked', () => {
      const certificate = '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----';
      expect(mask(`${certificate}\n${RSA}`)).toBe(`${certificate}\n[vault #0]`);
    });

    it('a masked key holds nothing the detection finds (masking twice changes nothing)', () => {
      const once = jsonWithoutAccessParticulars({ body: `key:\n${PGP}\nand ${PUTTY}` });
      expect(once).toEqual({ body: 'key:\n[access particulars removed]\nand [access particulars removed]' });
      expect(jsonWithoutAccessParticulars(once)).toBe(once);
    });
  });

  describe('time linear in the text: a long run of one shape does not hold the event loop (docs/adr/0061)', () => {
    // Run on a worker: Jest's timeout cannot stop a regex on the test's own thread, so the old,
    // backtracking patterns would pass, late. The worker rejects a call still running
    // OFF_THREAD_CALL_BOUND_MS after its module loaded; the detection itself takes milliseconds.
    const DETECTION = path.join(__dirname, '../src/credential-detection.ts');
    const detectOffThread = (text: string) => callOffThread<typeof findCredentials>(DETECTION, 'findCredentials', text);
    afterEach(stopCallsOffThread);

    // 200,000 characters: four times what the API takes, far below a 30 MB mail, and enough for
    // the quadratic patterns to take far longer than the bound (34 to 73 s on a 2-core machine).
    // The one particular before or after the long run must still be found, and nothing else.
    it.each([
      ['"user" then blanks (login, then password)', `password: Hunter2! user${' '.repeat(200_000)}`, [{ start: 0, end: 18, secret: 'Hunter2!' }]],
      ['"user/pass" then blanks (login/password pair)', `password: Hunter2! user/pass${' \t'.repeat(100_000)}`, [{ start: 0, end: 18, secret: 'Hunter2!' }]],
      ['"API key" or "token" then blanks (a key after its label)', `password: Hunter2! API key${' '.repeat(100_000)}token${' \t'.repeat(50_000)}`, [{ start: 0, end: 18, secret: 'Hunter2!' }]],
      ['private key headers without their END or key material', `password: Hunter2! ${'-----BEGIN RSA PRIVATE KEY----- '.repeat(6_000)}`, [{ start: 0, end: 18, secret: 'Hunter2!' }]],
      ['PuTTY headers without their private lines', `password: Hunter2! ${'PuTTY-User-Key-File-3: ssh-rsa '.repeat(6_000)}`, [{ start: 0, end: 18, secret: 'Hunter2!' }]],
      ['a cut key of 200,000 characters', `password: Hunter2! -----BEGIN RSA PRIVATE KEY-----\n${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw\n'.repeat(4_500)}`, [{ start: 0, end: 18, secret: 'Hunter2!' }, expect.objectContaining({ start: 19, keyKind: 'RSA private key' })]],
      ['a dotted word (URL scheme)', `${'a.'.repeat(100_000)} https://admin:Secr3t@example.com/`, [{ start: 200_009, end: 200_021, login: 'admin', secret: 'Secr3t' }]],
    ])('%s', async (_shape, text, expected) => {
      expect(await detectOffThread(text)).toEqual(expected);
    }, OFF_THREAD_TEST_TIMEOUT_MS);

    // Values are at most 200 characters, so the old cost grew with their number, not with the run:
    // 4 to 5 ms for each value of 200 capitals. 9,500 of them (2 MB; a mail may have 30) took the
    // old code 35 to 48 s.
    it('values of capitals only ("password is AAAA…") are words, and "QWerty" after them a secret', async () => {
      const text = `${`password is ${'A'.repeat(200)} `.repeat(9_500)}password is QWerty`;
      expect((await detectOffThread(text)).map((f) => f.secret)).toEqual(['QWerty']);
    }, OFF_THREAD_TEST_TIMEOUT_MS);
  });
});

describe('P9: access particulars in kept JSON (events, webhook bodies, history details)', () => {
  it('every string is masked wherever it sits, keys, numbers and shape unchanged', () => {
    const kept = { type: 'ticket.reopened', data: { sequence: 3, reason: 'Still broken. password: Hunter2!x', quotes: ['ok', 'pwd: tr0ub4dor'], nested: { at: null, ok: true } } };
    const masked = jsonWithoutAccessParticulars(kept);
    expect(masked).toEqual({
      type: 'ticket.reopened',
      data: { sequence: 3, reason: 'Still broken. [access particulars removed]', quotes: ['ok', '[access particulars removed]'], nested: { at: null, ok: true } },
    });
    expect(JSON.stringify(masked)).not.toContain('Hunter2!x');
    expect(kept.data.reason).toBe('Still broken. password: Hunter2!x'); // the input is left as it was
  });

  it('a value without particulars is returned as the same value (nothing to write back), and masking twice changes nothing', () => {
    const clean = { data: { subject: 'The forgot password page fails', list: [1, 'two'] } };
    expect(jsonWithoutAccessParticulars(clean)).toBe(clean);
    const once = jsonWithoutAccessParticulars({ text: 'login: ann2 password: MailPw#9911' });
    expect(jsonWithoutAccessParticulars(once)).toBe(once);
  });
});

// docs/adr/0026, addendum of 2026-12-05, first session: a file's name goes through the same detection as text.
describe('P9: access particulars in a file name', () => {
  it.each([
    ['password FilePw#1122.png', { stem: 'password FilePw#1122', extension: '.png' }],
    ['report.html.png', { stem: 'report.html', extension: '.png' }],
    ['снимок.JPG', { stem: 'снимок', extension: '.JPG' }],
    ['README', { stem: 'README', extension: '' }],
    ['.profile', { stem: '.profile', extension: '' }],
    ['pwd=a.b c', { stem: 'pwd=a.b c', extension: '' }],
  ])('%j is read as its stem and extension', (name, parts) => {
    expect(fileNameParts(name)).toEqual(parts);
  });

  it.each([
    ['password FilePw#1122.png', '[access particulars removed].png'],
    ['pwd=ExePw#6655.exe', '[access particulars removed].exe'],
    ['API key sk_live_abcdef1234567890XYZ.txt', '[access particulars removed].txt'],
  ])('%j keeps its extension, not its particulars', (name, kept) => {
    expect(fileNameWithoutAccessParticulars(name)).toBe(kept);
  });

  it.each(['password reset page.png', 'screenshot 2026-12-05 10.41.22.png', 'token expired.png', 'Secret garden.jpg', 'id_rsa.pem', 'server.key', 'PRIVATE KEY.pem', '-----BEGIN RSA PRIVATE KEY-----.txt', 'key.ppk'])('%j is kept as it is', (name) => {
    expect(fileNameWithoutAccessParticulars(name)).toBe(name);
  });
});

// docs/adr/0026, addendum of 2026-12-05, fifth session: the upgrade removes the keys kept before, and nothing else.
describe('P9: private keys in text and JSON kept before they were particulars', () => {
  const KEY = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtRT5PRIVKEYMARKER9x8y7z6\n-----END RSA PRIVATE KEY-----';

  it('each key is removed; other particulars, masked or not, are left to the masking of their day', () => {
    expect(withoutPrivateKeys(`password: Hunter2!x and ${KEY}`)).toBe('password: Hunter2!x and [access particulars removed]');
    const kept = { data: { body: `key:\n${KEY}`, note: 'API key: sk_live_abcdef1234567890XYZ', sequence: 2 } };
    expect(jsonWithoutPrivateKeys(kept)).toEqual({ data: { body: 'key:\n[access particulars removed]', note: 'API key: sk_live_abcdef1234567890XYZ', sequence: 2 } });
  });

  it('a value without a key is returned as the same value, and masking twice changes nothing', () => {
    const clean = { body: 'password: Hunter2!x', certificate: '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----' };
    expect(jsonWithoutPrivateKeys(clean)).toBe(clean);
    const once = jsonWithoutPrivateKeys({ body: KEY });
    expect(jsonWithoutPrivateKeys(once)).toBe(once);
  });
});
