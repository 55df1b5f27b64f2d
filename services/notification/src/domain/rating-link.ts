/**
 * P11: which resolution a rating link belongs to. notification reads intake's `tss.ticket` and
 * rating's `tss.rating` side by side, so `rating.requested` may be read before the `ticket.resolved`
 * that asked for it (after a restart, a backlog), and an earlier resolution's after a later one.
 * The link names its resolution (`ticketSequence`, the `ticket.resolved`'s `sequence`); the mail
 * contact keeps the sequence of the resolution it last read and of the link it holds, and a link
 * goes with its own resolution's mail only (docs/adr/0035, addendum of 2026-12-05, third session).
 */

/** What the ticket's mail contact knows of its resolution and its link. */
export interface ResolutionOfContact {
  /** The `sequence` of the last `ticket.resolved` read; null before any (or read by an older release). */
  resolutionSequence: number | null;
  /** Whether that resolution stands (not reopened since). */
  resolved: boolean;
  /** The resolution the link held belongs to; null when none is held, or for a link that names none. */
  linkSequence: number | null;
}

export type RatingLinkPlace =
  /** The link names no resolution (an older rating), or the resolution was read before sequences were kept: as before, it is the current resolution's. */
  | 'current-resolution'
  /** Its resolution is the one read, and it stands: the resolved mail carries it (or it goes on its own). */
  | 'its-resolution'
  /** Its resolution is not read yet: kept for it, nothing is sent. */
  | 'kept-for-its-resolution'
  /** An earlier resolution's, or one reopened since (rating withdrew its survey): never mailed. */
  | 'superseded';

/** Where a `rating.requested` naming `linkSequence` (undefined: an older rating's) goes. */
export const placeRatingLink = (linkSequence: number | undefined, contact: ResolutionOfContact): RatingLinkPlace => {
  if (linkSequence === undefined) return 'current-resolution';
  // A later resolution's link is held already: rating superseded this one's survey.
  if (contact.linkSequence !== null && contact.linkSequence > linkSequence) return 'superseded';
  const read = contact.resolutionSequence;
  if (read === null && contact.resolved) return 'current-resolution';
  if (read === null || linkSequence > read) return 'kept-for-its-resolution';
  if (linkSequence < read || !contact.resolved) return 'superseded';
  return 'its-resolution';
};

/** On `ticket.resolved` (`resolutionSequence`): whether the link held was read first for this resolution, for a later one, or is to be dropped. */
export const linkOnResolution = (linkSequence: number | null, resolutionSequence: number): 'this-resolution' | 'a-later-resolution' | 'none' => {
  if (linkSequence === null || linkSequence < resolutionSequence) return 'none';
  return linkSequence === resolutionSequence ? 'this-resolution' : 'a-later-resolution';
};

/** On `ticket.reopened` (`reopeningSequence`): a link read already for a later resolution is kept for it; any other goes. */
export const linkKeptOnReopening = (linkSequence: number | null, reopeningSequence: number): boolean => linkSequence !== null && linkSequence > reopeningSequence;

/** Whether the resolved mail of the resolution read carries the link held: one naming no resolution is the current one's, as before. */
export const linkBelongsToResolution = (contact: Pick<ResolutionOfContact, 'resolutionSequence' | 'linkSequence'>): boolean =>
  contact.linkSequence === null || contact.resolutionSequence === null || contact.linkSequence === contact.resolutionSequence;
