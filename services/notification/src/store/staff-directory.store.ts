import type { EntityManager } from 'typeorm';
import { NOTIFICATION_SCHEMA } from './acknowledgment.store';

const T = `"${NOTIFICATION_SCHEMA}".staff_directory`;

/** A staff member as the gateway last described them (`staff.created`, `staff.updated`). */
export interface StaffMember {
  staffId: string;
  email: string | null;
  displayName: string | null;
  roles: string[];
  active: boolean;
  changedAt: Date;
}

export const staffDirectoryStore = {
  /** Keeps the newest description: an older event arriving late changes nothing. */
  async upsert(tx: EntityManager, m: StaffMember): Promise<void> {
    await tx.query(
      `INSERT INTO ${T} (staff_id, email, display_name, roles, active, changed_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (staff_id) DO UPDATE SET email = EXCLUDED.email, display_name = EXCLUDED.display_name, roles = EXCLUDED.roles,
         active = EXCLUDED.active, changed_at = EXCLUDED.changed_at
       WHERE ${T}.changed_at <= EXCLUDED.changed_at`,
      [m.staffId, m.email, m.displayName, m.roles, m.active, m.changedAt],
    );
  },

  async find(tx: EntityManager, staffIds: readonly string[]): Promise<StaffMember[]> {
    if (staffIds.length === 0) return [];
    const rows = (await tx.query(`SELECT * FROM ${T} WHERE staff_id = ANY($1::text[])`, [staffIds])) as {
      staff_id: string;
      email: string | null;
      display_name: string | null;
      roles: string[];
      active: boolean;
      changed_at: Date;
    }[];
    return rows.map((r) => ({ staffId: r.staff_id, email: r.email, displayName: r.display_name, roles: r.roles, active: r.active, changedAt: r.changed_at }));
  },

  /** True when `address` (lower-cased) is a staff member's, active or not: the directory keeps addresses as written. */
  async hasAddress(tx: EntityManager, address: string): Promise<boolean> {
    const rows = (await tx.query(`SELECT 1 FROM ${T} WHERE lower(email) = $1 LIMIT 1`, [address])) as unknown[];
    return rows.length > 0;
  },
};
