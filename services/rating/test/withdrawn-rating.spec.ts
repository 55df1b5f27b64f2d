import { ratingMissedReopening, withdrawalInstant } from '../src/domain/survey';

// docs/adr/0040, addendum of 2026-12-05 (second session): which ratings a reopening withdraws.
describe('ratingMissedReopening: a rating taken after a reopening rating had not read yet', () => {
  const surveyId = '6f1c2a9e-6b0d-4c7e-9a51-2d8e4b6f7c10';
  const at = (iso: string) => new Date(`2026-06-01T09:00:${iso}Z`);

  it('a rating a second after a staff or requester reopening is withdrawn', () => {
    expect(ratingMissedReopening({ surveyId, submittedAt: at('01.000') }, { reopenedAt: at('00.000') })).toBe(true);
    expect(ratingMissedReopening({ surveyId, submittedAt: at('00.001') }, { reopenedAt: at('00.000') })).toBe(true);
  });

  it('a rating before the reopening stands, and so does one at the same instant (two services’ clocks: a tie keeps it)', () => {
    expect(ratingMissedReopening({ surveyId, submittedAt: at('00.000') }, { reopenedAt: at('01.000') })).toBe(false);
    expect(ratingMissedReopening({ surveyId, submittedAt: at('00.000') }, { reopenedAt: at('00.000') })).toBe(false);
  });

  it('the "not solved" rating that asked for the reopening stands even when rating’s clock is ahead of intake’s', () => {
    expect(ratingMissedReopening({ surveyId, submittedAt: at('05.000') }, { reopenedAt: at('00.000'), ratingSurveyId: surveyId })).toBe(false);
  });

  it('a reopening another survey’s rating asked for does not protect this one', () => {
    expect(ratingMissedReopening({ surveyId, submittedAt: at('05.000') }, { reopenedAt: at('00.000'), ratingSurveyId: '00000000-0000-4000-8000-000000000000' })).toBe(true);
  });
});

// docs/adr/0040, addendum of 2026-12-05 (third session): when it is withdrawn.
describe('withdrawalInstant: a rating is never withdrawn before it was given', () => {
  const at = (iso: string) => new Date(`2026-12-05T07:27:${iso}Z`);

  it('the handler’s instant when it is later than the rating', () => {
    expect(withdrawalInstant({ submittedAt: at('51.047') }, at('52.000'))).toEqual(at('52.000'));
  });

  it('the rating’s own instant when the handler read its instant before the rating was taken (it waited for the survey)', () => {
    expect(withdrawalInstant({ submittedAt: at('51.047') }, at('51.040'))).toEqual(at('51.047'));
  });
});
