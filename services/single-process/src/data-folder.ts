import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const siteLinkKeysFile = (dataDir: string): string => path.join(dataDir, 'site-link-keys');

/**
 * The support-site link key a data folder keeps, if it has one: read, never made. Resolving a
 * start's defaults uses this, so a start refused for its settings writes nothing.
 */
export const keptSiteLinkKeys = (dataDir: string): string | undefined => {
  const file = siteLinkKeysFile(dataDir);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
};

/** Whether a data folder already holds a platform's database (its embedded PostgreSQL's cluster). */
export const holdsDatabase = (dataDir: string): boolean => existsSync(path.join(dataDir, 'pg', 'PG_VERSION'));

/**
 * The key a data folder made for its links now, though it already held a platform's data: the links
 * mailed before were made with other keys (a `TSS_SITE_LINK_KEYS` of earlier starts, or the key an
 * earlier release made for one start only), and they stop opening. The caller says so.
 */
export interface SiteLinkKeyMadeLate {
  file: string;
}

/**
 * The support-site link key of a data folder (made on its first start, kept in
 * `<dataDir>/site-link-keys`, readable by its owner only): the links a platform put in mails open
 * after a restart on the same folder, and in services mode the gateway verifies the links
 * notification mints, so both need the same key. `TSS_SITE_LINK_KEYS`, when set, is used instead.
 * Called once every setting is accepted: it may make the folder and write the file. `heldDatabase`
 * is whether the folder held a database before this start (`holdsDatabase`, asked before
 * PostgreSQL starts): a key made then is `madeLate`.
 */
export const siteLinkKeysOf = (dataDir: string, heldDatabase: boolean): { keys: string; madeLate?: SiteLinkKeyMadeLate } => {
  const kept = keptSiteLinkKeys(dataDir);
  if (kept !== undefined) return { keys: kept };
  mkdirSync(dataDir, { recursive: true });
  const keys = newSiteLinkKeys();
  const file = siteLinkKeysFile(dataDir);
  writeFileSync(file, `${keys}\n`, { mode: 0o600 });
  return heldDatabase ? { keys, madeLate: { file } } : { keys };
};

/** The warning for a link key made on a folder that already held data (`SiteLinkKeyMadeLate`). */
export const siteLinkKeyMadeLateWarning = (made: SiteLinkKeyMadeLate): string =>
  `TSS_SITE_LINK_KEYS is not set and this data folder, which already holds a platform's data, kept no ` +
  `support-site link key: a new one was made (${made.file}). Links mailed before with other keys ` +
  `(a TSS_SITE_LINK_KEYS of earlier starts, or the one-start key of a release before 2026-12-05) ` +
  `do not open; to keep them, start with TSS_SITE_LINK_KEYS naming the new key first and those after it`;

/** A new support-site link key, made in memory: what a data folder's first start keeps. */
export const newSiteLinkKeys = (): string => `local-1:${randomBytes(32).toString('base64')}`;

/** Services mode's first admin client, given to the gateway (`TSS_BOOTSTRAP_CLIENT_*`). */
export interface BootstrapAdmin {
  clientId: string;
  clientSecret: string;
}

const bootstrapAdminFile = (dataDir: string): string => path.join(dataDir, 'bootstrap-admin.json');

/** The first admin client a services-mode data folder keeps, if it has one: read, never made. */
export const keptBootstrapAdmin = (dataDir: string): BootstrapAdmin | undefined => {
  const file = bootstrapAdminFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BootstrapAdmin) : undefined;
};

/** A new first admin client, made in memory. */
export const newBootstrapAdmin = (): BootstrapAdmin => ({ clientId: 'local-admin', clientSecret: randomBytes(24).toString('base64url') });

/**
 * The first admin client of a services-mode data folder: made on its first start, kept in
 * `<dataDir>/bootstrap-admin.json` (readable by its owner only). Called once every setting is
 * accepted and the folder made.
 */
export const bootstrapAdminOf = (dataDir: string): BootstrapAdmin => {
  const kept = keptBootstrapAdmin(dataDir);
  if (kept !== undefined) return kept;
  const admin = newBootstrapAdmin();
  writeFileSync(bootstrapAdminFile(dataDir), `${JSON.stringify(admin)}\n`, { mode: 0o600 });
  return admin;
};
