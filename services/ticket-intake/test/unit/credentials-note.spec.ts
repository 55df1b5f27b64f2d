import { changeCredentialsNote, credentialsAfterResolutionNote, maskForVault, vaultedByAgentNote, vaultedFromSenderNote, vaultedNote } from '../../src/use-cases/credentials';

/** The instant a note names: its "YYYY-MM-DD HH:MM UTC". */
const statedIn = (note: string): Date => {
  const match = /(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC/.exec(note);
  if (!match) throw new Error(`no UTC time in: ${note}`);
  return new Date(`${match[1]}T${match[2]}:00.000Z`);
};

// P9: the requester is told when the particulars are destroyed; a minute cut down would name a moment before it.
describe('P9: the resolution note names a destruction time never earlier than the deadline', () => {
  it.each([
    ['2026-12-04T16:52:58.000Z', '2026-12-04 16:53 UTC'],
    ['2026-12-04T16:52:00.001Z', '2026-12-04 16:53 UTC'],
    ['2026-12-04T16:53:00.000Z', '2026-12-04 16:53 UTC'],
    ['2026-12-31T23:59:30.000Z', '2027-01-01 00:00 UTC'],
  ])('a deadline of %s is stated as %s, in English and Russian', (deadline, stated) => {
    const destroyAt = new Date(deadline);
    for (const language of [undefined, 'ru']) {
      for (const note of [changeCredentialsNote(destroyAt, language), credentialsAfterResolutionNote(destroyAt, language)]) {
        expect(note).toContain(stated);
        expect(statedIn(note).getTime()).toBeGreaterThanOrEqual(destroyAt.getTime());
      }
    }
  });

  // An outside test: particulars handed over after resolution were scheduled for destruction and nobody was told (docs/adr/0026, addendum of 2026-12-05, second session).
  it('particulars handed over after the resolution: the note says so and asks to change them, in English and Russian', () => {
    const destroyAt = new Date('2026-12-04T16:53:00.000Z');
    expect(credentialsAfterResolutionNote(destroyAt)).toBe(
      'This ticket is resolved. The access particulars handed over after its resolution will be destroyed by 2026-12-04 16:53 UTC. Please change those passwords now.',
    );
    expect(credentialsAfterResolutionNote(destroyAt, 'ru')).toBe(
      'Обращение решено. Данные для доступа, переданные после его решения, будут уничтожены не позднее 2026-12-04 16:53 UTC. Пожалуйста, смените эти пароли сейчас.',
    );
  });
});

// docs/adr/0026, addendum of 2026-12-05, first session: particulars in a file's name are told as such.
describe('P9: the notes for a file name say it was the name, and where the particulars were masked', () => {
  it.each([
    ['the requester, in English', vaultedNote(1, 'en', 'file_name'), 'The name of a file you sent contained access particulars. We moved', "masked them in the file's name"],
    ['the requester, in Russian', vaultedNote(2, 'ru', 'file_name'), 'Имя отправленного вами файла содержало данные для доступа. Мы перенесли', 'скрыли в имени файла'],
    ['another sender', vaultedFromSenderNote(1, 'col@a-books.example', 'en', 'file_name'), 'The name of a file in the message from col@a-books.example contained', 'Whoever they belong to'],
    ['another sender, in Russian', vaultedFromSenderNote(1, 'col@a-books.example', 'ru', 'file_name'), 'Имя файла в сообщении от col@a-books.example содержало', 'скрыли в имени файла'],
    ['an agent, on a public answer', vaultedByAgentNote(1, 'public', 'file_name'), 'The name of a file you sent contained access particulars. They were moved', 'never in a file or its name'],
  ])('%s', (_who, note, opening, rest) => {
    expect(note).toContain(opening);
    expect(note).toContain(rest);
  });

  it("an agent's internal note's file: no word of the requester", () => {
    expect(vaultedByAgentNote(1, 'internal', 'file_name')).not.toContain('requester');
  });
});

// docs/adr/0026, addendum of 2026-12-05, fifth session: a private key is an access particular, told as such.
describe('P9: a private key pasted into a text is vaulted whole, its kind kept, and the notes name it', () => {
  const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----';

  it('the whole block is the secret and its kind the note; a password beside it is a particular of its own', () => {
    const masked = maskForVault(`Login fails, password: Xq9-still. Also my private key:\n${KEY}\nRegards`);
    expect(masked.pending.map((p) => p.secret)).toEqual([{ secret: 'Xq9-still' }, { secret: KEY, note: 'OpenSSH private key' }]);
    expect(masked.pending.map((p) => p.privateKey === true)).toEqual([false, true]);
    expect(masked.text).toMatch(/^Login fails, \[credentials stored securely: TSS vault #[0-9a-f]{8}\]\. Also my private key:\n\[credentials stored securely: TSS vault #[0-9a-f]{8}\]\nRegards$/);
  });

  it.each([
    ['a key alone, in English', vaultedNote(1, 'en', 'message', true, 1), 'Your message contained access particulars: a private key. We moved them'],
    ['a key alone, in Russian', vaultedNote(1, 'ru', 'message', true, 1), 'Ваше сообщение содержало данные для доступа: закрытый ключ. Мы перенесли их'],
    ['a password and a key, in English', vaultedNote(2, 'en', 'message', true, 1), 'Your message contained access particulars, a private key among them. We moved them'],
    ['a password and a key, in Russian', vaultedNote(2, 'ru', 'message', true, 1), 'Ваше сообщение содержало данные для доступа, среди них закрытый ключ. Мы перенесли их'],
    ['two keys and a password, in the request, in English', vaultedNote(3, 'en', 'request', true, 2), 'Your request contained access particulars, 2 private keys among them. We moved them'],
    ['two keys and a password, in the request, in Russian', vaultedNote(3, 'ru', 'request', true, 2), 'Ваше обращение содержало данные для доступа, среди них 2 закрытых ключа. Мы перенесли их'],
    ['two keys, in English', vaultedNote(2, 'en', 'message', true, 2), 'Your message contained access particulars: 2 private keys. We moved them'],
    ['two keys, in Russian', vaultedNote(2, 'ru', 'message', true, 2), 'Ваше сообщение содержало данные для доступа: 2 закрытых ключа. Мы перенесли их'],
    ['another sender, in English', vaultedFromSenderNote(2, 'col@a-books.example', 'en', 'message', true, 1), 'The message from col@a-books.example contained access particulars, a private key among them.'],
    ['another sender, in Russian', vaultedFromSenderNote(2, 'col@a-books.example', 'ru', 'message', true, 1), 'Сообщение от col@a-books.example содержало данные для доступа, среди них закрытый ключ.'],
    ['an agent', vaultedByAgentNote(1, 'public', 'message', 1), 'Your message contained access particulars: a private key. They were moved'],
    ['an agent, in an internal note', vaultedByAgentNote(2, 'internal', 'message', 1), 'Your internal note contained access particulars, a private key among them. They were moved'],
  ])('%s', (_case, note, opening) => {
    expect(note).toContain(opening);
  });

  it('without a key the notes read as before', () => {
    expect(vaultedNote(2, 'en')).toContain('Your message contained access particulars. We moved them');
    expect(vaultedNote(2, 'ru')).toContain('Ваше сообщение содержало данные для доступа. Мы перенесли их');
  });
});

// An outside tester: "contained access particulars (1)" / «данные для доступа (1)» put a count in
// brackets; the notes say it in words (docs/adr/0026, addendum of 2026-12-05, sixth session).
describe('vault notes count in words, never in brackets (P9)', () => {
  it.each([
    ['a password, EN', vaultedNote(1, 'en')],
    ['a password, RU', vaultedNote(1, 'ru')],
    ['five keys and a password, RU', vaultedNote(6, 'ru', 'request', true, 5)],
    ['another sender, RU', vaultedFromSenderNote(3, 'col@a-books.example', 'ru')],
    ['an agent', vaultedByAgentNote(2, 'internal')],
  ])('%s', (_case, note) => {
    expect(note).not.toMatch(/\(\d+\)/);
  });

  it('a Russian count of keys takes the noun’s form for its number', () => {
    expect(vaultedNote(6, 'ru', 'request', true, 5)).toContain('содержало данные для доступа, среди них 5 закрытых ключей.');
    expect(vaultedNote(22, 'ru', 'request', true, 21)).toContain('среди них 21 закрытый ключ.');
  });
});
