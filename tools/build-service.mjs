// Bundles one service's entry point into dist/<projectRoot>/main.js for `node dist/...`.
// Workspace libs are bundled in (tsconfig paths); npm packages stay external.
import { build } from 'esbuild';
import path from 'node:path';

const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: node tools/build-service.mjs <projectRoot>');
  process.exit(2);
}
await build({
  entryPoints: [path.join(projectRoot, 'src/main.ts')],
  outfile: path.join('dist', projectRoot, 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  tsconfig: 'tsconfig.base.json',
  logLevel: 'warning',
});
console.log(`built dist/${projectRoot}/main.js`);
