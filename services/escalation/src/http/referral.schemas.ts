import { Type, type Static } from '@sinclair/typebox';
import { Instant, ReferralTarget, Uuid, VisibleText } from '@tss/contracts';
import { TicketIdOrReference } from './ticket-id-or-reference.schema';
import { WithheldNotes } from './withheld-notes.schema';

const EXAMPLE_REFERRAL_ID = '7d9e2f4a-1b3c-4d5e-8f60-718293a4b5c6';

export const ReferralTicketParams = Type.Object({ id: TicketIdOrReference });
export const ReferralParams = Type.Object({ id: TicketIdOrReference, rid: { ...Uuid, description: 'The referral id', examples: [EXAMPLE_REFERRAL_ID] } });

/** Text that says something: at least one visible character (format `visible-text`). */
const Said = (maxLength: number, description: string) => VisibleText({ maxLength, description });

export const CreateReferralBody = Type.Object(
  {
    target: { ...ReferralTarget, description: 'development (level development, 7-day clock, P5), quality (the quality department is involved, P7) or design (a feature request, no deadline, P6)' },
    reason: Said(4000, 'Why: recorded in the ticket’s history (staff only) and the department’s notice; access particulars in it are removed (P9)'),
  },
  {
    additionalProperties: false,
    examples: [
      { target: 'development', reason: 'Crash reproduced in Player 3.2 on Android 14: needs a code fix.' },
      { target: 'design', reason: 'Asks for offline reading of protected titles: a feature request.' },
    ],
  },
);
export type CreateReferralBody = Static<typeof CreateReferralBody>;

export const ReferralOutcomeBody = Type.Object(
  { outcome: Said(4000, 'What the quality department found; access particulars in it are removed (P9)') },
  { additionalProperties: false, examples: [{ outcome: 'The first reply missed the documented workaround; the saved reply is corrected.' }] },
);
export type ReferralOutcomeBody = Static<typeof ReferralOutcomeBody>;

export const ReferralView = Type.Object({
  id: Uuid,
  ticketId: Uuid,
  target: ReferralTarget,
  reason: Type.String(),
  status: Type.Union([Type.Literal('requested'), Type.Literal('applied'), Type.Literal('rejected')], {
    description: 'requested until ticket-intake answers; then applied, or rejected with rejectionReason',
  }),
  requestedBy: Type.String({ description: 'The staff member who referred the ticket' }),
  requestedAt: Instant,
  answeredAt: Type.Optional(Instant),
  rejectionReason: Type.Optional(Type.String()),
  outcome: Type.Optional(Type.Object({ text: Type.String(), recordedBy: Type.String(), recordedAt: Instant })),
  notes: WithheldNotes,
});
export type ReferralView = Static<typeof ReferralView>;

export const ReferralList = Type.Object({ ticketId: Uuid, items: Type.Array(ReferralView) });
