import type { EntityManager } from 'typeorm';
import { Languages, type Language } from '@tss/contracts';
import { NOTIFICATION_SCHEMA } from './acknowledgment.store';

const T = `"${NOTIFICATION_SCHEMA}".staff_directory`;

/** A staff member as the gateway last described them (`staff.created`, `staff.updated`). */
export interface StaffMember {
  staffId: string;
  email: string | null;
  displayName: string | null;
  roles: string[];
  /** The language of their mail; `en` until the gateway announces another. */
  language: Language;
  active: boolean;
  changedAt: Date;
}

/** What one `staff.*` event says: `language` absent when an older gateway sent it. */
export type StaffDescription = Omit<StaffMember, 'language'> & { language?: Language };

/** A stored language as the mail templates know it; anything else (none is written) reads as English. */
const languageOf = (stored: string): Language => Languages.find((l) => l === stored) ?? 'en';

export const staffDirectoryStore = {
  /**
   * Keeps the newest description: an older event arriving late changes nothing. An event without
   * a language (an older gateway, during a roll) keeps the one the directory knows, `en` for a
   * member it does not: that gateway's own row still holds the language it never read.
   */
  async upsert(tx: EntityManager, m: StaffDescription): Promise<void> {
    await tx.query(
      `INSERT INTO ${T} (staff_id, email, display_name, roles, active, changed_at, language) VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::text, 'en'))
       ON CONFLICT (staff_id) DO UPDATE SET email = EXCLUDED.email, display_name = EXCLUDED.display_name, roles = EXCLUDED.roles,
         active = EXCLUDED.active, changed_at = EXCLUDED.changed_at, language = COALESCE($7::text, ${T}.language)
       WHERE ${T}.changed_at <= EXCLUDED.changed_at`,
      [m.staffId, m.email, m.displayName, m.roles, m.active, m.changedAt, m.language ?? null],
    );
  },

  async find(tx: EntityManager, staffIds: readonly string[]): Promise<StaffMember[]> {
    if (staffIds.length === 0) return [];
    const rows = (await tx.query(`SELECT * FROM ${T} WHERE staff_id = ANY($1::text[])`, [staffIds])) as {
      staff_id: string;
      email: string | null;
      display_name: string | null;
      roles: string[];
      language: string;
      active: boolean;
      changed_at: Date;
    }[];
    return rows.map((r) => ({
      staffId: r.staff_id,
      email: r.email,
      displayName: r.display_name,
      roles: r.roles,
      language: languageOf(r.language),
      active: r.active,
      changedAt: r.changed_at,
    }));
  },

  /** True when `address` (lower-cased) is a staff member's, active or not: the directory keeps addresses as written. */
  async hasAddress(tx: EntityManager, address: string): Promise<boolean> {
    const rows = (await tx.query(`SELECT 1 FROM ${T} WHERE lower(email) = $1 LIMIT 1`, [address])) as unknown[];
    return rows.length > 0;
  },

  /**
   * The language of the staff member whose address this is (compared lower-cased), the most
   * recently described when several share it; undefined when it is nobody's in the directory.
   */
  async languageOfAddress(tx: EntityManager, address: string): Promise<Language | undefined> {
    const [row] = (await tx.query(`SELECT language FROM ${T} WHERE lower(email) = lower($1) ORDER BY changed_at DESC, staff_id LIMIT 1`, [address])) as { language: string }[];
    return row ? languageOf(row.language) : undefined;
  },
};
