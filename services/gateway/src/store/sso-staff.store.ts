import type { DataSource, EntityManager } from 'typeorm';
import type { SsoStaffMember } from '../domain/sso-staff';
import { SsoStaffEntity } from './gateway.entities';

/** Staff signed in through single sign-on (gateway.sso_staff), keyed by their tokens' subject. */
export const ssoStaffStore = {
  /** The record as committed; a primary-key read, no lock (the gate's check of a subject whose cache entry expired). */
  async find(dataSource: DataSource, staffId: string): Promise<SsoStaffMember | undefined> {
    return (await dataSource.getRepository(SsoStaffEntity).findOneBy({ staffId })) ?? undefined;
  },

  /**
   * Inserts a subject seen for the first time; false when a row exists already. Concurrent first
   * requests of one subject meet on the primary key: one inserts, the others wait for it to commit
   * and then find it (ON CONFLICT), so the subject is announced once.
   */
  async insertIfNew(tx: EntityManager, member: SsoStaffMember): Promise<boolean> {
    const rows = (await tx.query(
      `INSERT INTO gateway.sso_staff (staff_id, roles, display_name, email, language, active, first_seen_at, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (staff_id) DO NOTHING
       RETURNING staff_id`,
      [member.staffId, member.roles, member.displayName, member.email, member.language, member.active, member.firstSeenAt, member.changedAt],
    )) as unknown[];
    return rows.length === 1;
  },

  /** The record under its row lock: changes of one member (tokens, an admin's PATCH) take turns, each deciding on the last. */
  async lock(tx: EntityManager, staffId: string): Promise<SsoStaffMember | undefined> {
    return (await tx.getRepository(SsoStaffEntity).findOne({ where: { staffId }, lock: { mode: 'pessimistic_write' } })) ?? undefined;
  },

  /** Writes a changed record through the entity, so that the gate's cache of this process forgets it at once. */
  async save(tx: EntityManager, member: SsoStaffMember): Promise<void> {
    const { staffId, ...rest } = member;
    await tx.getRepository(SsoStaffEntity).update({ staffId }, rest);
  },

  /** Every recorded member, first seen first. */
  async list(dataSource: DataSource): Promise<SsoStaffMember[]> {
    return dataSource.getRepository(SsoStaffEntity).find({ order: { firstSeenAt: 'ASC', staffId: 'ASC' } });
  },
};
