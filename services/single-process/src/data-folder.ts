import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The support-site link key of a data folder (made on its first start, kept in
 * `<dataDir>/site-link-keys`, readable by its owner only): the links a platform put in mails open
 * after a restart on the same folder, and in services mode the gateway verifies the links
 * notification mints, so both need the same key. `TSS_SITE_LINK_KEYS`, when set, is used instead.
 */
export const siteLinkKeysOf = (dataDir: string): string => {
  const file = path.join(dataDir, 'site-link-keys');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const keys = `local-1:${randomBytes(32).toString('base64')}`;
  writeFileSync(file, `${keys}\n`, { mode: 0o600 });
  return keys;
};
