import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): the gateway announced staff display
 * names as an admin wrote them ("Bob login: bob password: …"), and escalation's copy kept them
 * (`escalation.staff`, shown by `GET /v1/escalation/roster/on-duty`). The gateway refuses such
 * names now, and the `staff.*` handler keeps an older gateway's without them. This masks the kept
 * ones with the same detection, removed, in batches by staff id, writing only what changes; masked
 * text holds nothing the detection finds, so a second run changes nothing. Escalation publishes no
 * staff names. Nothing to undo: the clear text is gone.
 */
export class MaskKeptStaffNames1765606420000 implements MigrationInterface {
  name = 'MaskKeptStaffNames1765606420000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after: string | undefined; ; ) {
      const rows = (await queryRunner.query(
        `SELECT staff_id AS id, display_name AS name FROM escalation.staff
          WHERE display_name IS NOT NULL ${after === undefined ? '' : 'AND staff_id > $1'} ORDER BY staff_id LIMIT ${BATCH}`,
        after === undefined ? [] : [after],
      )) as { id: string; name: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const name = withoutAccessParticulars(row.name);
        if (name !== row.name) await queryRunner.query(`UPDATE escalation.staff SET display_name = $2 WHERE staff_id = $1`, [row.id, name]);
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
