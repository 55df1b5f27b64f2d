import { Type } from '@sinclair/typebox';
import { defineEvent } from '../event-contract';
import { Instant, Uuid } from '../domain-values';

const EscalationBase = { partnerId: Uuid, escalationId: Uuid };
const EscalationKind = Type.Union([
  Type.Literal('team_leader'),
  Type.Literal('sla_warning'),
  Type.Literal('sla_breach'),
  Type.Literal('quality'),
  Type.Literal('development'),
]);

export const EscalationReferralRequestedV1 = defineEvent(
  'escalation.referral_requested',
  1,
  'escalation',
  Type.Object({ partnerId: Uuid, referralId: Uuid, requestedBy: Type.String(), reason: Type.String(), requestedAt: Instant }),
  'P7: refer the ticket to the development department; intake applies it as a level change.',
);
export const EscalationRaisedV1 = defineEvent(
  'escalation.raised',
  1,
  'escalation',
  Type.Object({ ...EscalationBase, kind: EscalationKind, targetRole: Type.String(), raisedAt: Instant }),
  'P7: someone (team leader, quality, development) was called in.',
);
export const EscalationAcknowledgedV1 = defineEvent(
  'escalation.acknowledged',
  1,
  'escalation',
  Type.Object({ ...EscalationBase, acknowledgedBy: Type.String(), acknowledgedAt: Instant }),
  'The escalation was taken up.',
);
export const EscalationResolvedV1 = defineEvent(
  'escalation.resolved',
  1,
  'escalation',
  Type.Object({ ...EscalationBase, resolvedAt: Instant }),
  'The escalation is over.',
);
