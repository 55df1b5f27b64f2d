import { changeCredentialsNote } from '../../src/use-cases/credentials';

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
      const note = changeCredentialsNote(destroyAt, language);
      expect(note).toContain(stated);
      expect(statedIn(note).getTime()).toBeGreaterThanOrEqual(destroyAt.getTime());
    }
  });
});
