// Summarises a V8 .cpuprofile: self time by function and by package (docs/performance.md).
// Usage: node bench/support/summarise-profile.mjs <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i += 1) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (deltas[i] ?? 0));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const packageOf = (url) => {
  if (!url) return '(native/gc/idle)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node core';
  const p = /\/(libs|services)\/([^/]+)\//.exec(url);
  return p ? `${p[1]}/${p[2]}` : url;
};
const fn = new Map();
const pkg = new Map();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url ? url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(libs|services)\//, '$1/') : ''}:${lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const p = packageOf(url) + (url ? '' : ` ${functionName}`);
  pkg.set(p, (pkg.get(p) ?? 0) + us);
}
// The process idles while it waits for PostgreSQL; shares of the busy (non-idle) time compare
// across runs of different length, so both are printed.
const idle = [...selfUs].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
const busy = total - idle;
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const busyPct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)} % of busy`;
const row = (k, v) => console.log(`${pct(v)}  ${/\(idle\)/.test(k) ? ''.padStart(15) : busyPct(v)}  ${k}`);
console.log(`profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (not idle)\n\nby package (self time):`);
for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, top)) row(k, v);
console.log('\nby function (self time):');
for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) row(k, v);
