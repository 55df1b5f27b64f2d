import { keptComment, MAX_COMMENT_LENGTH } from '../src/domain/survey';

const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0040, addendum of 2026-12-04, third session): what rating keeps of a comment.
describe('keptComment', () => {
  it('P9: keeps a comment without particulars as written, and sends nothing in transit', () => {
    expect(keptComment({ score: 2, solved: false, comment: 'The forgot password page still fails.' })).toEqual({ comment: 'The forgot password page still fails.' });
    expect(keptComment({ score: 5, solved: true })).toEqual({});
  });

  it('P9: a "not solved" comment is kept masked; its text as written goes to intake in transit only', () => {
    expect(keptComment({ score: 2, solved: false, comment: 'Не работает. password: Hunter22' })).toEqual({
      comment: `Не работает. ${REMOVED}`,
      inTransit: { comment: 'Не работает. password: Hunter22' },
    });
  });

  it('P9: a solved one is kept masked and its particulars are gone: nobody works the ticket again', () => {
    expect(keptComment({ score: 5, solved: true, comment: 'Thanks! login: ann pass: Qwerty123' })).toEqual({ comment: `Thanks! ${REMOVED}` });
  });

  it('stays within the contract’s bound when the placeholders make it longer', () => {
    const comment = 'pwd: abc1 '.repeat(MAX_COMMENT_LENGTH / 10);
    const kept = keptComment({ score: 1, solved: false, comment });
    expect(kept.comment).toHaveLength(MAX_COMMENT_LENGTH);
    expect(kept.comment?.endsWith('…')).toBe(true);
    expect(kept.comment).not.toContain('abc1');
    expect(kept.inTransit).toEqual({ comment });
  });
});
