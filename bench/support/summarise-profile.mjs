// Summarises a V8 .cpuprofile: self time by function and by package (docs/performance.md).
// Usage: node bench/support/summarise-profile.mjs <file.cpuprofile> [top] [from-s] [to-s]
// With from-s and to-s, only the samples taken that many seconds after the profile's start (a
// load's window, without the process's start-up) are counted.
import { readFileSync } from 'node:fs';

const [file, topArg, fromArg, toArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const fromUs = fromArg === undefined ? -Infinity : Number(fromArg) * 1e6;
const toUs = toArg === undefined ? Infinity : Number(toArg) * 1e6;
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
const deltas = profile.timeDeltas;
let atUs = 0;
for (let i = 0; i < profile.samples.length; i += 1) {
  atUs += deltas[i] ?? 0;
  if (atUs < fromUs || atUs > toUs) continue;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (deltas[i] ?? 0));
}
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
// Busy share of each 5 s since the profile's start: where a load's window lies, for from-s and to-s.
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const slots = [];
let elapsedUs = 0;
for (let i = 0; i < profile.samples.length; i += 1) {
  elapsedUs += deltas[i] ?? 0;
  const slot = Math.floor(elapsedUs / 5e6);
  slots[slot] ??= { busy: 0, all: 0 };
  slots[slot].all += deltas[i] ?? 0;
  if (!idleIds.has(profile.samples[i])) slots[slot].busy += deltas[i] ?? 0;
}
console.log('\nbusy share by 5 s since the start:');
console.log(slots.map((s, i) => `${i * 5}s ${s ? Math.round((100 * s.busy) / Math.max(1, s.all)) : 0}%`).join('  '));
