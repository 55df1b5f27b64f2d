import { EscalationRaisedV1 } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import { ratingStore } from '../store/rating.store';

/** Issue #13: a rating shows the escalation it led to (escalation names the survey in `escalation.raised`). */
export const escalationEventHandlers = (): HandlerBinding[] => [
  on(EscalationRaisedV1, async (event, { tx }) => {
    const d = event.data;
    if (!d.surveyId) return;
    await ratingStore.recordEscalation(tx, {
      escalationId: d.escalationId,
      surveyId: d.surveyId,
      ticketId: event.subject,
      kind: d.kind,
      targetRole: d.targetRole,
      raisedAt: new Date(d.raisedAt),
    });
  }),
];
