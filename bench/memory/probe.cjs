// Preloaded into a measured process (`node --require bench/memory/probe.cjs ...`, by the memory
// benchmark through NODE_OPTIONS): on SIGUSR2 it writes where the process's memory goes to
// `$TSS_MEMORY_PROBE_DIR/<pid>.json`: RSS split into anonymous and file-backed pages (/proc), V8's
// heap by space, the npm packages loaded (module count and source size per package), and the
// garbage collections so far (count and pause time by kind, from `gc` performance entries).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const v8 = require('node:v8');

const dir = process.env.TSS_MEMORY_PROBE_DIR;
const MiB = 1024 * 1024;
const mib = (bytes) => Number((bytes / MiB).toFixed(1));

const statusKiB = () => {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile'), shmem: field('RssShmem') };
};

const packageOf = (file) => {
  const at = file.lastIndexOf('node_modules/');
  if (at < 0) return '(workspace)';
  const rest = file.slice(at + 'node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
};

const loadedPackages = () => {
  const byPackage = {};
  for (const file of Object.keys(require.cache)) {
    const name = packageOf(file);
    let size = 0;
    try {
      size = fs.statSync(file).size;
    } catch {
      // not a file
    }
    const entry = (byPackage[name] ??= { modules: 0, sourceKiB: 0 });
    entry.modules += 1;
    entry.sourceKiB += size / 1024;
  }
  for (const entry of Object.values(byPackage)) entry.sourceKiB = Math.round(entry.sourceKiB);
  return Object.fromEntries(Object.entries(byPackage).sort((a, b) => b[1].sourceKiB - a[1].sourceKiB));
};

const GC_KINDS = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
const gc = { minor: { count: 0, ms: 0 }, major: { count: 0, ms: 0 }, incremental: { count: 0, ms: 0 }, weakcb: { count: 0, ms: 0 } };
if (dir) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = gc[GC_KINDS[entry.detail?.kind]];
      if (!kind) continue;
      kind.count += 1;
      kind.ms += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
}

const snapshot = () => {
  if (typeof global.gc === 'function') global.gc();
  const usage = process.memoryUsage();
  const heap = v8.getHeapStatistics();
  const kib = statusKiB();
  return {
    pid: process.pid,
    argv: process.argv.slice(1).map((a) => path.relative(process.cwd(), a)),
    uptimeS: Math.round(process.uptime()),
    rssMiB: mib(kib.rss * 1024),
    rssAnonMiB: mib(kib.anon * 1024),
    rssFileMiB: mib(kib.file * 1024),
    heapTotalMiB: mib(usage.heapTotal),
    heapUsedMiB: mib(usage.heapUsed),
    externalMiB: mib(usage.external),
    arrayBuffersMiB: mib(usage.arrayBuffers),
    mallocedMiB: mib(heap.malloced_memory),
    heapSpaces: Object.fromEntries(
      v8.getHeapSpaceStatistics().map((s) => [s.space_name, { sizeMiB: mib(s.space_size), usedMiB: mib(s.space_used_size), physicalMiB: mib(s.physical_space_size) }]),
    ),
    gc: Object.fromEntries(Object.entries(gc).map(([kind, { count, ms }]) => [kind, { count, ms: Number(ms.toFixed(1)) }])),
    modules: Object.keys(require.cache).length,
    packages: loadedPackages(),
  };
};

if (dir) {
  process.on('SIGUSR2', () => {
    fs.writeFileSync(path.join(dir, `${process.pid}.json`), `${JSON.stringify(snapshot(), null, 1)}\n`);
  });
}

module.exports = { snapshot };
