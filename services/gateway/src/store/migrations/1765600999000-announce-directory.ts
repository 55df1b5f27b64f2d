import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PartnerUpdatedV1, StaffUpdatedV1, type StaffRole } from '@tss/contracts';
import { Outbox, outboxDraft } from '@tss/messaging';
import { systemClock } from '@tss/service-kit';
import { GATEWAY_SCHEMA } from '../gateway.entities';

/**
 * Every partner and staff client as it stands, announced once more (`partner.updated`,
 * `staff.updated`): services that keep a copy of the directory learn the ones registered before
 * their copy existed, or before the broker's retention (ticket-intake's staff copy, added in this
 * release, decides who may be assigned a ticket). Additive: a copy that knows them already keeps
 * the newest state, which this is. docs/adr/0027 (addendum of 2026-12-04, fifth session).
 */
export class AnnounceDirectory1765600999000 implements MigrationInterface {
  name = 'AnnounceDirectory1765600999000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const outbox = new Outbox({ service: 'gateway', schema: GATEWAY_SCHEMA, clock: systemClock });
    const changedAt = systemClock.now().toISOString();
    const partners = (await queryRunner.query(`SELECT id, name, active FROM ${GATEWAY_SCHEMA}.partners ORDER BY id`)) as { id: string; name: string; active: boolean }[];
    const staff = (await queryRunner.query(
      `SELECT client_id, roles, display_name, email, active FROM ${GATEWAY_SCHEMA}.api_clients WHERE kind = 'staff' ORDER BY client_id`,
    )) as { client_id: string; roles: StaffRole[]; display_name: string | null; email: string | null; active: boolean }[];
    const drafts = [
      ...partners.map((p) => outboxDraft(PartnerUpdatedV1, p.id, { partnerId: p.id, name: p.name, active: p.active, changedAt })),
      ...staff.map((s) =>
        outboxDraft(StaffUpdatedV1, s.client_id, {
          staffId: s.client_id,
          roles: s.roles,
          ...(s.display_name ? { displayName: s.display_name } : {}),
          ...(s.email ? { email: s.email } : {}),
          active: s.active,
          changedAt,
        }),
      ),
    ];
    if (drafts.length > 0) await outbox.addAll(queryRunner.manager, drafts);
  }

  async down(): Promise<void> {
    // Announcements are not taken back: they said what was true.
  }
}
