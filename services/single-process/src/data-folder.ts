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

/**
 * The support-site link key of a data folder (made on its first start, kept in
 * `<dataDir>/site-link-keys`, readable by its owner only): the links a platform put in mails open
 * after a restart on the same folder, and in services mode the gateway verifies the links
 * notification mints, so both need the same key. `TSS_SITE_LINK_KEYS`, when set, is used instead.
 * Called once every setting is accepted: it may make the folder and write the file.
 */
export const siteLinkKeysOf = (dataDir: string): string => {
  const kept = keptSiteLinkKeys(dataDir);
  if (kept !== undefined) return kept;
  mkdirSync(dataDir, { recursive: true });
  const keys = `local-1:${randomBytes(32).toString('base64')}`;
  writeFileSync(siteLinkKeysFile(dataDir), `${keys}\n`, { mode: 0o600 });
  return keys;
};
