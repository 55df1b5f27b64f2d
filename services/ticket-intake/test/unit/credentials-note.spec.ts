import { changeCredentialsNote, credentialsAfterResolutionNote, vaultedByAgentNote, vaultedFromSenderNote, vaultedNote } from '../../src/use-cases/credentials';

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
    ['the requester, in English', vaultedNote(1, 'en', 'file_name'), 'The name of a file you sent contained access particulars (1)', "masked them in the file's name"],
    ['the requester, in Russian', vaultedNote(2, 'ru', 'file_name'), 'Имя отправленного вами файла содержало данные для доступа (2)', 'скрыли в имени файла'],
    ['another sender', vaultedFromSenderNote(1, 'col@a-books.example', 'en', 'file_name'), 'The name of a file in the message from col@a-books.example contained', 'Whoever they belong to'],
    ['another sender, in Russian', vaultedFromSenderNote(1, 'col@a-books.example', 'ru', 'file_name'), 'Имя файла в сообщении от col@a-books.example содержало', 'скрыли в имени файла'],
    ['an agent, on a public answer', vaultedByAgentNote(1, 'public', 'file_name'), 'The name of a file you sent contained access particulars (1)', 'never in a file or its name'],
  ])('%s', (_who, note, opening, rest) => {
    expect(note).toContain(opening);
    expect(note).toContain(rest);
  });

  it("an agent's internal note's file: no word of the requester", () => {
    expect(vaultedByAgentNote(1, 'internal', 'file_name')).not.toContain('requester');
  });
});
