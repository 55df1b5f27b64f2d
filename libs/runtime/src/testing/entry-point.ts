import path from 'node:path';

/** The repository's root, which every entry point's path is given from. */
const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** Where the test run's global setup built its bundles (tools/jest/global-setup.ts sets it). */
export const TEST_BUNDLES_ENV = 'TSS_TEST_BUNDLES';

/**
 * Node's arguments that run an entry point (`services/<name>/src/main.ts`), for a test that starts
 * it as a process of its own: this run's bundle of it, as the image runs it, when the global setup
 * built them; else the sources through tsx. A bundle loads in about 1 s, the sources through tsx in
 * about 2.5 s (docs/adr/0074). What `npm start` runs through tsx is tested by the suites that start
 * it by that command.
 */
export const entryPointArgs = (entry: string): string[] => {
  const bundles = process.env[TEST_BUNDLES_ENV];
  const relative = path.isAbsolute(entry) ? path.relative(REPO_ROOT, entry) : entry;
  if (!/^services\/[a-z-]+\/src\/main\.ts$/.test(relative)) throw new Error(`not an entry point: ${entry}`);
  return bundles ? [path.join(bundles, relative.replace(/src\/main\.ts$/, 'main.js'))] : ['--import', 'tsx', path.join(REPO_ROOT, relative)];
};

/** This run's bundles' folder, for `startServices({ bundles })`; false without them (the sources through tsx). */
export const testBundles = (): string | false => process.env[TEST_BUNDLES_ENV] ?? false;
