import { findCredentials, maskCredentials } from '../../src/domain/credential-detection';

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
});
