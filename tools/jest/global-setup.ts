import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, existsSync, rmSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedPostgres } from '../../libs/persistence/src/embedded-postgres';
import { createTemplateDatabase, TEST_ADMIN_URL_ENV, TEST_TEMPLATE_DATABASE_ENV } from '../../libs/persistence/src/testing/test-database';
import { freePort } from '../../libs/service-kit/src/testing/free-port';
import { TEST_BUNDLES_ENV } from '../../libs/runtime/src/testing/entry-point';

const REPO = path.join(__dirname, '../..');

/**
 * Every service's migrations, applied once per run by the single process's own `migrate` command
 * (a child process: tsx knows the @tss/* paths that Jest's global setup cannot resolve).
 */
const migrateEveryService = async (databaseUrl: string): Promise<void> => {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(REPO, 'services/single-process/src/main.ts'), 'migrate'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
  });
};

/**
 * Every service's entry point bundled as the image runs it (tools/build-service.mjs), into a
 * folder of this run's own under .cache/ (inside the repository: the bundles' npm packages resolve
 * from its node_modules). Suites that start the services as processes run these: a service loads
 * in about 1 s instead of 2.5 s through tsx, and a services-mode start took 10 s instead of 17-21 s
 * (docs/adr/0074). Built beside the template's migrations, in about 1.5 s.
 */
const buildBundles = async (): Promise<string> => {
  mkdirSync(path.join(REPO, '.cache'), { recursive: true });
  const folder = mkdtempSync(path.join(REPO, '.cache', 'test-bundles-'));
  const services = readdirSync(path.join(REPO, 'services')).filter((name) => existsSync(path.join(REPO, 'services', name, 'src', 'main.ts')));
  await Promise.all(services.map((name) => promisify(execFile)(process.execPath, ['tools/build-service.mjs', `services/${name}`, folder], { cwd: REPO })));
  return folder;
};

const TMPFS_MAGIC = 0x01021994;
const SHARED_MEMORY = '/dev/shm';
/** Room the run's files may take: its PostgreSQL, the clusters and folders the suites make. */
const SCRATCH_ROOM = 4 * 1024 ** 3;

const SCRATCH_PREFIX = 'tss-test-';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const OF_A_RUN = new RegExp(`^${SCRATCH_PREFIX}(\\d+)-`);

/**
 * A run stopped before its teardown (Ctrl-C, a killed Jest) leaves its folder in memory until the
 * machine restarts, some 300-400 MB: each folder is named after its run's process, and those of
 * processes gone are removed. Another user's folder (/dev/shm is shared, sticky) is left to them:
 * a folder this run may not remove does not stop it.
 */
const removeFoldersOfEndedRuns = (): void => {
  for (const name of readdirSync(SHARED_MEMORY)) {
    const pid = Number(OF_A_RUN.exec(name)?.[1]);
    if (!pid || alive(pid)) continue;
    try {
      rmSync(path.join(SHARED_MEMORY, name), { recursive: true, force: true });
    } catch {
      // not ours to remove
    }
  }
};

/**
 * The run's temporary files go to memory (a folder on /dev/shm when it is a tmpfs with room), as
 * `TMPDIR` for every worker and what the suites start. On disk, most of PostgreSQL's CPU in a run
 * went to the kernel creating files: each suite's database is a clone of the template, some 300
 * files, and ext4 looks for recently deleted inodes at each create. On a sample of 60 suites its
 * CPU fell from 89-97 s to 29 s, and the sample's time from 160-171 s to 110 s (docs/adr/0083).
 * Without such a folder, the system's temporary folder as before.
 */
const scratchInMemory = (): string | undefined => {
  try {
    const fs = statfsSync(SHARED_MEMORY);
    if (fs.type !== TMPFS_MAGIC || fs.bavail * fs.bsize < SCRATCH_ROOM) return undefined;
  } catch {
    return undefined;
  }
  removeFoldersOfEndedRuns();
  const folder = mkdtempSync(path.join(SHARED_MEMORY, `${SCRATCH_PREFIX}${process.pid}-`));
  // As /tmp: the embedded servers run as the `postgres` user when the tests run as root.
  chmodSync(folder, 0o1777);
  return folder;
};

/**
 * One PostgreSQL for the whole run: DATABASE_URL when given, otherwise an embedded server in a
 * throw-away folder (fsync off: test data need not survive a power cut). Every service's
 * migrations run once, into a template database; suites clone it (`createTestDatabase`), so no
 * suite migrates. The template is built afresh each run, so it always has the current migrations.
 */
export default async function globalSetup(): Promise<void> {
  const scratch = scratchInMemory();
  if (scratch) {
    process.env.TMPDIR = scratch;
    (globalThis as { __TSS_TEST_SCRATCH__?: string }).__TSS_TEST_SCRATCH__ = scratch;
  }
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-test-pg-'));
    // Every suite's platforms and pools share this server: three workers' at once passed
    // PostgreSQL's default of 100 connections ("too many clients already").
    const pg = new EmbeddedPostgres({ dataDir, port: await freePort(), fsync: false, maxConnections: 400 });
    await pg.start();
    adminUrl = pg.url();
    (globalThis as { __TSS_TEST_PG__?: unknown }).__TSS_TEST_PG__ = { pg, dataDir };
  }
  // A name of this run's own: two runs may share an external server (DATABASE_URL).
  const template = `tss_template_${randomBytes(4).toString('hex')}`;
  const [bundles] = await Promise.all([buildBundles(), createTemplateDatabase(adminUrl, template, migrateEveryService)]);
  process.env[TEST_BUNDLES_ENV] = bundles;
  (globalThis as { __TSS_TEST_BUNDLES__?: string }).__TSS_TEST_BUNDLES__ = bundles;
  process.env[TEST_ADMIN_URL_ENV] = adminUrl;
  process.env[TEST_TEMPLATE_DATABASE_ENV] = template;
  (globalThis as { __TSS_TEST_TEMPLATE__?: unknown }).__TSS_TEST_TEMPLATE__ = { adminUrl, template };
}
