import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { siteLinkKeyMadeLateWarning, type SiteLinkKeyMadeLate } from '../../src/data-folder';
import { withSiteLinkKeys } from '../../src/single-process.config';

/**
 * A data folder that already holds a platform's database but keeps no link key (its earlier starts
 * had TSS_SITE_LINK_KEYS, or were of a release that made a key per start) gets one now, and every
 * link mailed before stops opening: the start says so (outside check of 2026-12-05, seventh session).
 */
describe('the support-site link key a data folder makes', () => {
  let dataDir: string;
  const made: SiteLinkKeyMadeLate[] = [];
  const start = (env: NodeJS.ProcessEnv = {}) => withSiteLinkKeys({ TSS_DATA_DIR: dataDir, ...env }, (m) => made.push(m));

  beforeEach(() => {
    dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'tss-link-key-')), 'data');
    made.length = 0;
  });
  afterEach(() => rmSync(path.dirname(dataDir), { recursive: true, force: true }));

  it('on the first start of a folder it is made without a word, and kept by the next start', () => {
    const first = start().TSS_SITE_LINK_KEYS;
    expect(first).toMatch(/^local-1:/);
    expect(made).toEqual([]);
    mkdirSync(path.join(dataDir, 'pg'), { recursive: true });
    writeFileSync(path.join(dataDir, 'pg', 'PG_VERSION'), '17\n');
    expect(start().TSS_SITE_LINK_KEYS).toBe(first);
    expect(made).toEqual([]);
  });

  it('on a folder that holds a database but no key, it is made and said, once', () => {
    mkdirSync(path.join(dataDir, 'pg'), { recursive: true });
    writeFileSync(path.join(dataDir, 'pg', 'PG_VERSION'), '17\n');
    const keys = start().TSS_SITE_LINK_KEYS;
    const file = path.join(dataDir, 'site-link-keys');
    expect(readFileSync(file, 'utf8').trim()).toBe(keys);
    expect(made).toEqual([{ file }]);
    const warning = siteLinkKeyMadeLateWarning(made[0]!);
    expect(warning).toContain('TSS_SITE_LINK_KEYS');
    expect(warning).toContain(file);
    expect(warning).not.toContain(keys!.split(':')[1]!);
    expect(start().TSS_SITE_LINK_KEYS).toBe(keys);
    expect(made).toHaveLength(1);
  });

  it('with TSS_SITE_LINK_KEYS set nothing is made or said', () => {
    mkdirSync(path.join(dataDir, 'pg'), { recursive: true });
    writeFileSync(path.join(dataDir, 'pg', 'PG_VERSION'), '17\n');
    expect(start({ TSS_SITE_LINK_KEYS: 's1:given' }).TSS_SITE_LINK_KEYS).toBe('s1:given');
    expect(existsSync(path.join(dataDir, 'site-link-keys'))).toBe(false);
    expect(made).toEqual([]);
  });
});
