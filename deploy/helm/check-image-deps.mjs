// Checks what the Dockerfile's runtime stage relies on without a container engine: each
// service's bundle (built in memory with tools/build-service.mjs's options) needs only npm
// packages that `npm ci --omit=dev --omit=optional` installs, i.e. production, non-optional
// entries of package-lock.json. docs/adr/0021.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const SERVICES = ['gateway', 'ticket-intake', 'sla-timer', 'notification', 'escalation', 'rating'];
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')).packages;
const builtins = new Set(builtinModules);
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

let failures = 0;
for (const service of SERVICES) {
  const result = await build({
    entryPoints: [path.join('services', service, 'src/main.ts')],
    outfile: path.join('dist-check', service, 'main.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    tsconfig: 'tsconfig.base.json',
    logLevel: 'error',
    write: false,
    metafile: true,
  });
  const external = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const i of output.imports) if (i.external && !i.path.startsWith('node:') && !builtins.has(i.path)) external.add(packageOf(i.path));
  }
  const bad = [...external].filter((name) => {
    const entry = lock[`node_modules/${name}`];
    return !entry || entry.dev || entry.optional || entry.devOptional;
  });
  if (bad.length) {
    failures += 1;
    console.log(`FAIL ${service}: needs packages the runtime image lacks: ${bad.join(', ')}`);
  } else {
    console.log(`ok   ${service}: ${external.size} npm packages, all production and non-optional`);
  }
}
process.exit(failures ? 1 : 0);
