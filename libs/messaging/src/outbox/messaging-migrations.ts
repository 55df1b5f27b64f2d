import type { MigrationInterface } from 'typeorm';
import { messagingDeadLettersMigration } from '../dead-letters/dead-letters.migration';
import { messagingDeadLetterStaffTextsMigration } from '../dead-letters/dead-letter-staff-texts.migration';
import { messagingDeadLetterPrivateKeysMigration } from '../dead-letters/dead-letter-private-keys.migration';
import { messagingTablesMigration } from './messaging-tables.migration';
import { messagingOutboxNotifyMigration } from './outbox-notify.migration';
import { messagingOutboxEventIdMigration } from './outbox-event-id.migration';
import { messagingRetentionIndexesMigration } from '../retention/retention-indexes.migration';

/**
 * Every messaging migration a service's schema needs, oldest first. Services list these first;
 * a new messaging migration is added here, so no service's list has to change again.
 */
export const messagingMigrations = (schema: string): (new () => MigrationInterface)[] => [
  messagingTablesMigration(schema),
  messagingDeadLettersMigration(schema),
  messagingOutboxNotifyMigration(schema),
  messagingRetentionIndexesMigration(schema),
  messagingOutboxEventIdMigration(schema),
  messagingDeadLetterStaffTextsMigration(schema),
  messagingDeadLetterPrivateKeysMigration(schema),
];
