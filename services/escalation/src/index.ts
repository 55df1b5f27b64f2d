import { composeService, type ServicePart } from '@tss/runtime';
import { escalationsPart } from './parts/escalations.part';
import { referralsPart } from './parts/referrals.part';
import { ESCALATION_SCHEMA } from './schema';

export { ESCALATION_SCHEMA };

/** escalation: escalation rules and records, referrals, on-duty roster; produces `escalation.*`. Each feature is a part (parts/). */
export const escalationService = composeService({
  name: 'escalation',
  description: 'Escalations, referrals and the on-duty roster.',
  schema: ESCALATION_SCHEMA,
  parts: [escalationsPart, referralsPart] as readonly ServicePart[],
  idempotency: true,
});
