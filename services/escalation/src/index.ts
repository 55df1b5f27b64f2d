import { messagingMigrations } from '@tss/messaging';
import type { ServiceModule } from '@tss/runtime';

export const ESCALATION_SCHEMA = 'escalation';

/**
 * escalation: escalation rules and records, referrals, on-duty roster; produces `escalation.*`.
 * The foundation hosts it with its schema and messaging tables; its rules arrive with its own issue.
 */
export const escalationService: ServiceModule = {
  name: 'escalation',
  description: 'Escalations, referrals and the on-duty roster.',
  schema: ESCALATION_SCHEMA,
  entities: [],
  migrations: [...messagingMigrations(ESCALATION_SCHEMA)],
  build: () => ({}),
};
