import type { EntityManager } from 'typeorm';
import { withdrawnWithRating } from '../domain/escalation';
import type { ResolvingEvent } from '../domain/escalation-events';
import { escalationStore } from '../store/escalation.store';
import { recordResolvedAutomatically, type SupersedeDeps } from './supersede-warnings';

/**
 * rating.withdrawn: the rating's low-rating escalations are resolved in the event's transaction (no
 * more re-notices, `escalation.resolved`). A redelivery finds them resolved and does nothing.
 */
export const resolveWithdrawnRatingEscalations = async (
  tx: EntityManager,
  deps: SupersedeDeps,
  ticketId: string,
  surveyId: string,
  now: Date,
  withdrawal: ResolvingEvent,
): Promise<number> => {
  let resolved = 0;
  for (const current of await escalationStore.lockUnresolvedOfSurvey(tx, ticketId, surveyId)) {
    const withdrawn = withdrawnWithRating(current, now);
    if (!withdrawn) continue;
    await recordResolvedAutomatically(tx, deps, withdrawn, now, withdrawal);
    resolved += 1;
  }
  return resolved;
};
