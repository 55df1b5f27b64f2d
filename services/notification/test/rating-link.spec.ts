import { linkBelongsToResolution, linkKeptOnReopening, linkOnResolution, placeRatingLink, type ResolutionOfContact } from '../src/domain/rating-link';

const contact = (over: Partial<ResolutionOfContact>): ResolutionOfContact => ({ resolutionSequence: null, resolved: false, linkSequence: null, ...over });

// P11 (docs/adr/0035, addendum of 2026-12-05, third session): a rating link goes with the resolution it names.
describe('which resolution a rating link belongs to', () => {
  it.each<[string, number | undefined, Partial<ResolutionOfContact>, ReturnType<typeof placeRatingLink>]>([
    ['its resolution read and standing', 2, { resolutionSequence: 2, resolved: true }, 'its-resolution'],
    ['its resolution read, its mail gone (an invitation follows)', 2, { resolutionSequence: 2, resolved: true, linkSequence: 2 }, 'its-resolution'],
    ['read before any resolution', 2, {}, 'kept-for-its-resolution'],
    ['read before its resolution, an earlier one reopened', 4, { resolutionSequence: 2 }, 'kept-for-its-resolution'],
    ['read before its resolution, an earlier one still standing (its reopening not read yet)', 4, { resolutionSequence: 2, resolved: true }, 'kept-for-its-resolution'],
    ['an earlier resolution’s, read after a later one', 2, { resolutionSequence: 4, resolved: true }, 'superseded'],
    ['its resolution reopened since (rating withdrew the survey)', 2, { resolutionSequence: 2 }, 'superseded'],
    ['a later resolution’s link is held already', 2, { linkSequence: 4 }, 'superseded'],
    ['an older rating’s, naming no resolution', undefined, { resolutionSequence: 4, resolved: true, linkSequence: 6 }, 'current-resolution'],
    ['a resolution read before sequences were kept (upgrade)', 3, { resolved: true }, 'current-resolution'],
  ])('%s', (_case, linkSequence, state, place) => {
    expect(placeRatingLink(linkSequence, contact(state))).toBe(place);
  });

  it('ticket.resolved keeps a link read first for it or a later resolution, and drops an earlier or unnamed one', () => {
    expect([linkOnResolution(2, 2), linkOnResolution(4, 2), linkOnResolution(2, 4), linkOnResolution(null, 2)]).toEqual(['this-resolution', 'a-later-resolution', 'none', 'none']);
  });

  it('ticket.reopened keeps only a link of a later resolution', () => {
    expect([linkKeptOnReopening(4, 3), linkKeptOnReopening(2, 3), linkKeptOnReopening(null, 3)]).toEqual([true, false, false]);
  });

  it('the resolved mail carries its own resolution’s link, or one naming none (as before)', () => {
    expect([
      linkBelongsToResolution({ resolutionSequence: 2, linkSequence: 2 }),
      linkBelongsToResolution({ resolutionSequence: 2, linkSequence: 4 }),
      linkBelongsToResolution({ resolutionSequence: 2, linkSequence: null }),
      linkBelongsToResolution({ resolutionSequence: null, linkSequence: 4 }),
    ]).toEqual([true, false, true, true]);
  });
});
