import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { ALL_SERVICES } from '../src/single-process-platform';

const OPERATIONS = readFileSync(path.resolve(__dirname, '../../../docs/operations.md'), 'utf8');

/** The text of a section of docs/operations.md: from its heading to the next heading of its level or above. */
const section = (heading: string): string => {
  const start = OPERATIONS.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/operations.md has no heading ${heading}`);
  const level = /^#+/.exec(heading)![0].length;
  const rest = OPERATIONS.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
};

const blocks = (text: string, language: string): string[] => [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);

/**
 * What the page tells operators to run, against the schemas the migrations make (the run's
 * template: every service migrated): the commands name the tables and schemas that exist.
 */
describe('docs/operations.md against the real schema', () => {
  let db: TestDatabase;
  let sql: Client;

  beforeAll(async () => {
    db = await createTestDatabase('operations_page');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  /**
   * Every service's schema, as its module declares it and its migrations made it (the Helm install
   * runs each service alone: no in-process event log there).
   */
  const serviceSchemas = async (): Promise<string[]> => {
    const declared = ALL_SERVICES.map((m) => m.schema).sort();
    const migrated = (await sql.query<{ schema: string }>(`SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'schema_migrations'`)).rows.map((r) => r.schema);
    expect(migrated).toEqual(expect.arrayContaining(declared));
    return declared;
  };

  // The loop took one pg_dump per schema, each its own snapshot, while the restore needs every
  // schema at the same moment (each service's inbox and outbox agree with the others').
  it('Backup: one pg_dump, one snapshot, of every service schema; the restore reads that one file', async () => {
    const text = section('## Backup and restore');
    const commands = blocks(text, 'sh').join('\n').replace(/\\\n\s*/g, ' ');
    const dumps = commands.split('\n').filter((line) => /\bpg_dump\b/.test(line));
    expect(dumps).toHaveLength(1);
    expect(commands).not.toMatch(/^\s*(for|while)\b/m);
    // pg_dump's own -n, not kubectl's namespace before it.
    const named = [...dumps[0].slice(dumps[0].search(/\bpg_dump\b/)).matchAll(/(?:^|\s)-n\s+("?)([a-z_]+)\1(?=\s)/g)].map((m) => m[2]).sort();
    expect(named).toEqual(await serviceSchemas());
    const written = /> (?:"([^"]+)"|(\S+))/.exec(dumps[0]);
    const file = written?.[1] ?? written?.[2];
    expect(file).toBeDefined();
    const restore = text.split('\n').find((line) => /\bpg_restore\b/.test(line));
    expect(restore).toBeDefined();
    expect(restore).not.toMatch(/-n\s+<schema>/);
    expect(restore).toContain(file!.replace(/\$\(date \+%F\)/, '<date>'));
  });

  // Step 3 said "the vault's own table" without naming it, and left notification's sealed webhook
  // secrets out: an operator dropping the old key then stopped notification at its next start.
  it('Master keys: the check names every column that records a master key, and its SQL runs', async () => {
    const text = section('### Master keys (`TSS_MASTER_KEYS`)');
    const columns = (
      await sql.query<{ table_schema: string; table_name: string; column_name: string }>(
        `SELECT table_schema, table_name, column_name FROM information_schema.columns
          WHERE column_name LIKE '%master_key_id' AND table_schema = ANY($1) ORDER BY 1, 2, 3`,
        [await serviceSchemas()],
      )
    ).rows;
    expect(columns.map((c) => `${c.table_schema}.${c.table_name}.${c.column_name}`)).toEqual(
      expect.arrayContaining(['gateway.signing_keys.master_key_id', 'ticket_intake.credential_data_keys.master_key_id', 'notification.webhook_endpoints.secret_master_key_id']),
    );
    const statements = blocks(text, 'sql')
      .join('\n')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
    const unchecked = columns
      .filter(({ table_schema: schema, table_name: table, column_name: column }) => !statements.some((s) => s.includes(`${schema}.${table}`) && s.includes(column)))
      .map((c) => `${c.table_schema}.${c.table_name}.${c.column_name}`);
    expect(unchecked).toEqual([]);
    for (const statement of statements) await expect(sql.query(statement)).resolves.toBeDefined();
  });

  // What an operator runs after an upgrade to find what an older replica skipped (docs/adr/0072,
  // addendum of 2026-12-05, third session): across the services' schemas, in the one database the
  // chart sets up.
  it('Upgrade notes: every SQL query runs against the migrated schemas', async () => {
    const statements = blocks(section('### Upgrade notes'), 'sql')
      .join('\n')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
    expect(statements.filter((s) => /credentials_stored_after_resolution|rating\.withdrawn|low_rating/.test(s))).toHaveLength(3);
    for (const statement of statements) await expect(sql.query(statement)).resolves.toBeDefined();
  });
});
