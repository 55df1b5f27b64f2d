// bench/RESULTS.md from bench/results/*.json: the latest run of each benchmark as a table of its
// figures and an SVG chart of its latency (or lateness) distributions, with the machine it ran on.
// Written after every benchmark run (writeResult) and by `npm run bench:report`.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const BENCH_DIR = path.join(__dirname, '..');
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
const CHARTS_DIR = path.join(RESULTS_DIR, 'charts');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Run {
  file: string;
  name: string;
  measuredAt: string;
  figures: { [key: string]: Json };
}

/** A percentile summary: p50, p99 and max at least (milliseconds). */
interface Distribution {
  label: string;
  points: [string, number][];
}

const PERCENTILES = ['p50', 'p75', 'p90', 'p95', 'p99', 'max'];

const isObject = (value: Json): value is { [key: string]: Json } => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The latest run of each benchmark name. */
export const latestRuns = (dir = RESULTS_DIR): Run[] => {
  const byName = new Map<string, Run>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    let figures: { [key: string]: Json };
    try {
      figures = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { [key: string]: Json };
    } catch {
      continue;
    }
    const name = typeof figures.name === 'string' ? figures.name : file.replace(/-\d{4}-.*$/, '');
    const measuredAt = typeof figures.measuredAt === 'string' ? figures.measuredAt : '';
    const seen = byName.get(name);
    if (!seen || seen.measuredAt <= measuredAt) byName.set(name, { file, name, measuredAt, figures });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
};

/** Every leaf figure as `a.b.c → value`, arrays of numbers shortened. */
export const flatten = (value: Json, prefix = ''): [string, string][] => {
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'number')) return [[prefix, value.length > 12 ? `${value.slice(0, 12).join(', ')} … (${value.length})` : value.join(', ')]];
    return value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`));
  }
  const text = typeof value === 'string' ? value.replace(/\n/g, ' ⏎ ') : String(value);
  return [[prefix, text.length > 160 ? `${text.slice(0, 157)}…` : text]];
};

/** Objects holding p50, p99 and max: the distributions a chart shows. */
export const distributions = (value: Json, prefix = ''): Distribution[] => {
  if (!isObject(value)) return Array.isArray(value) ? value.flatMap((v, i) => distributions(v, `${prefix}[${i}]`)) : [];
  const keys = Object.keys(value);
  if (['p50', 'p99', 'max'].every((k) => typeof value[k] === 'number')) {
    return [{ label: prefix || 'latency', points: PERCENTILES.filter((p) => keys.includes(p) && typeof value[p] === 'number').map((p) => [p, value[p] as number]) }];
  }
  return Object.entries(value).flatMap(([k, v]) => distributions(v, prefix ? `${prefix}.${k}` : k));
};

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * One horizontal bar per percentile, grouped by distribution, on a log scale (a baseline's
 * milliseconds and a service's hundreds of milliseconds fit one chart).
 */
export const chartSvg = (title: string, series: readonly Distribution[]): string => {
  const barHeight = 14;
  const gap = 4;
  const groupGap = 18;
  const labelWidth = 300;
  const plotWidth = 420;
  const top = 36;
  const values = series.flatMap((s) => s.points.map(([, v]) => v));
  const maxValue = Math.max(1, ...values);
  const scale = (v: number): number => (Math.log10(1 + v) / Math.log10(1 + maxValue)) * plotWidth;
  let y = top;
  const parts: string[] = [];
  for (const s of series) {
    parts.push(`<text x="8" y="${y + 11}" font-weight="bold">${escapeXml(s.label)}</text>`);
    y += barHeight + gap;
    for (const [p, v] of s.points) {
      const width = Math.max(1, scale(v));
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + 11}" text-anchor="end">${p}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${barHeight}" fill="${p === 'max' ? '#b03a2e' : p === 'p99' ? '#d68910' : '#2e86c1'}"/>`,
        `<text x="${(labelWidth + width + 6).toFixed(1)}" y="${y + 11}">${v} ms</text>`,
      );
      y += barHeight + gap;
    }
    y += groupGap;
  }
  const height = y + 10;
  const width = labelWidth + plotWidth + 110;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${width - 8}" y="20" text-anchor="end" fill="#555">log scale</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
};

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** Writes bench/RESULTS.md and bench/results/charts/<name>.svg; answers the page's path. */
export const refreshResultsPage = (dir = RESULTS_DIR, out = path.join(BENCH_DIR, 'RESULTS.md')): string => {
  const runs = latestRuns(dir);
  mkdirSync(CHARTS_DIR, { recursive: true });
  const lines = [
    '# Benchmark results',
    '',
    'The latest run of each benchmark in `bench/results/` (written by `npm run bench`; this page by',
    '`npm run bench:report`, and after every run). Every figure was measured on the machine named',
    'under it; a ratio compares the system with a baseline measured in the same run. See',
    '[README.md](README.md) for what each benchmark does and [docs/performance.md](../docs/performance.md)',
    'for what the figures mean.',
    '',
  ];
  for (const run of runs) {
    const { machine, name: _name, measuredAt: _at, ...figures } = run.figures;
    lines.push(`## ${run.name}`, '', `Measured ${run.measuredAt} (\`results/${run.file}\`).`);
    if (isObject(machine)) lines.push(`Machine: ${flatten(machine).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
    lines.push('');
    const series = distributions(figures);
    if (series.length > 0) {
      const chart = `${run.name}.svg`;
      writeFileSync(path.join(CHARTS_DIR, chart), chartSvg(`${run.name}: distributions (ms)`, series));
      lines.push(`![${run.name}: latency distributions](results/charts/${chart})`, '');
    }
    lines.push('| figure | value |', '| --- | --- |', ...flatten(figures).map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`), '');
  }
  writeFileSync(out, `${lines.join('\n')}`);
  return out;
};

if (require.main === module) process.stdout.write(`written ${path.relative(process.cwd(), refreshResultsPage())}\n`);
