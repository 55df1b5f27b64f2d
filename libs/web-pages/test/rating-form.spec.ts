import { readRateForm, RATE_COMMENT_MAX_CHARS } from '../src/rating-form';

// The rating form as the browser posts it (application/x-www-form-urlencoded: strings only), on the rate page and the support site.
describe('readRateForm', () => {
  it('reads a score, yes/no and a trimmed comment; a blank comment is none', () => {
    expect(readRateForm({ score: '4', solved: 'yes', comment: '  Quick.  ' })).toEqual({ ok: true, value: { score: 4, solved: true, comment: 'Quick.' } });
    expect(readRateForm({ score: '1', solved: 'no', comment: '   ' })).toEqual({ ok: true, value: { score: 1, solved: false } });
  });

  it('reports every problem at once and keeps what was typed', () => {
    expect(readRateForm({ comment: 'Kept' })).toEqual({
      ok: false,
      error: { errors: [{ field: 'score', problem: 'missing' }, { field: 'solved', problem: 'missing' }], values: { score: undefined, solved: undefined, comment: 'Kept' } },
    });
  });

  it('treats values the form cannot send as missing: a score outside 1-5, a fraction, a list, solved=maybe', () => {
    for (const score of ['0', '6', '4.5', ' 4', ['4', '5']]) {
      expect(readRateForm({ score, solved: 'yes' })).toMatchObject({ ok: false, error: { errors: [{ field: 'score', problem: 'missing' }] } });
    }
    expect(readRateForm({ score: '3', solved: 'maybe' })).toMatchObject({ ok: false, error: { errors: [{ field: 'solved', problem: 'missing' }], values: { score: 3 } } });
  });

  it('refuses a comment over the limit (UTF-16 units, as the textarea counts) or one PostgreSQL cannot store', () => {
    expect(readRateForm({ score: '5', solved: 'yes', comment: 'x'.repeat(RATE_COMMENT_MAX_CHARS) })).toMatchObject({ ok: true });
    expect(readRateForm({ score: '5', solved: 'yes', comment: '😀'.repeat(RATE_COMMENT_MAX_CHARS / 2 + 1) })).toMatchObject({ ok: false, error: { errors: [{ field: 'comment', problem: 'too_long' }] } });
    expect(readRateForm({ score: '5', solved: 'yes', comment: 'a\u0000b' })).toMatchObject({ ok: false, error: { errors: [{ field: 'comment', problem: 'unstorable' }] } });
  });

  it('reads no body as an empty form', () => {
    expect(readRateForm(undefined)).toMatchObject({ ok: false, error: { errors: [{ field: 'score' }, { field: 'solved' }] } });
  });
});
