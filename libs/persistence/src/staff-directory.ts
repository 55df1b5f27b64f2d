import type { EntityManager } from 'typeorm';

/** A staff member as the gateway last described them (`staff.created`, `staff.updated`). */
export interface StaffStanding {
  staffId: string;
  roles: string[];
  active: boolean;
  changedAt: Date;
}

export interface StaffDirectory {
  /**
   * Events of one staff member may arrive out of order across restarts: the newest change wins.
   * True when this change is now the one kept (a redelivery of the newest is kept again), false
   * when a newer one was already kept.
   */
  keep(tx: EntityManager, staff: StaffStanding): Promise<boolean>;
  /**
   * The staff member as last announced; undefined when no event named them here. The row is read
   * `FOR SHARE`: a change of standing kept meanwhile waits for the caller's transaction, so what the
   * caller decided on it (an assignment) is seen by whoever reacts to that change.
   */
  standingOf(tx: EntityManager, staffId: string): Promise<StaffStanding | undefined>;
}

/**
 * A service's own copy of the gateway's staff, fed by `staff.created`/`staff.updated` (DESIGN "Who
 * owns what": services never read the gateway's tables): the table
 * `<schema>.staff (id, roles, active, changed_at)` each such service's migrations create.
 */
export const staffDirectory = (schema: string): StaffDirectory => {
  const table = `"${schema}".staff`;
  return {
    async keep(tx, staff) {
      const kept = (await tx.query(
        `INSERT INTO ${table} (id, roles, active, changed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET roles = EXCLUDED.roles, active = EXCLUDED.active, changed_at = EXCLUDED.changed_at
         WHERE ${table}.changed_at <= EXCLUDED.changed_at
         RETURNING id`,
        [staff.staffId, staff.roles, staff.active, staff.changedAt],
      )) as unknown[];
      return kept.length > 0;
    },
    async standingOf(tx, staffId) {
      const rows = (await tx.query(`SELECT id, roles, active, changed_at FROM ${table} WHERE id = $1 FOR SHARE`, [staffId])) as {
        id: string;
        roles: string[];
        active: boolean;
        changed_at: Date;
      }[];
      const row = rows[0];
      return row ? { staffId: row.id, roles: row.roles, active: row.active, changedAt: row.changed_at } : undefined;
    },
  };
};
