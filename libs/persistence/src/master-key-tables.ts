import { assertSchemaName } from './schema-name';

/** Anything that runs SQL: a data source, or a transaction's manager. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * A service's own master-key tables (docs/adr/0014, addendum of 2026-12-05, seventh session): the
 * master keys it generated for itself when TSS_MASTER_KEYS is unset (`generatedTable`: id, key,
 * created_at), and `<schema>.master_key_checks`, a check value per master key it has used (random
 * bytes wrapped under that key: only that key opens it, and it tells nothing about the key).
 */
export const masterKeyTables = (db: Queryable, options: { schema: string; generatedTable: string }) => {
  const schema = assertSchemaName(options.schema);
  const generated = `"${schema}"."${assertSchemaName(options.generatedTable)}"`;
  const checks = `"${schema}".master_key_checks`;
  return {
    async generatedKeys(): Promise<{ id: string; key: Buffer }[]> {
      const rows = (await db.query(`SELECT id, key FROM ${generated} ORDER BY created_at, id`)) as { id: string; key: Buffer }[];
      return rows.map((r) => ({ id: r.id, key: r.key }));
    },
    async addGeneratedKey(key: { id: string; key: Buffer }, at: Date): Promise<void> {
      await db.query(`INSERT INTO ${generated} (id, key, created_at) VALUES ($1, $2, $3)`, [key.id, key.key, at]);
    },
    async deleteGeneratedKeys(ids: readonly string[]): Promise<void> {
      await db.query(`DELETE FROM ${generated} WHERE id = ANY($1::text[])`, [[...ids]]);
    },
    async checkValues(): Promise<ReadonlyMap<string, Buffer>> {
      const rows = (await db.query(`SELECT master_key_id, check_value FROM ${checks}`)) as { master_key_id: string; check_value: Buffer }[];
      return new Map(rows.map((r) => [r.master_key_id, r.check_value]));
    },
    async addCheckValue(masterKeyId: string, ciphertext: Buffer, at: Date): Promise<void> {
      await db.query(`INSERT INTO ${checks} (master_key_id, check_value, created_at) VALUES ($1, $2, $3) ON CONFLICT (master_key_id) DO NOTHING`, [masterKeyId, ciphertext, at]);
    },
    async deleteCheckValuesOtherThan(masterKeyIds: readonly string[]): Promise<void> {
      await db.query(`DELETE FROM ${checks} WHERE NOT (master_key_id = ANY($1::text[]))`, [[...masterKeyIds]]);
    },
  };
};

