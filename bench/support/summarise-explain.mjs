// Summarises a BENCH_PG_EXPLAIN_MS log (auto_explain plans): per statement, how many were logged
// and their server time (sum, median, max), heaviest first. With `--plan <text>`, prints the plan
// nodes (actual times, buffers) of the median run of the first statement containing <text>.
// Usage: node bench/support/summarise-explain.mjs <file.log> [top] [--plan <text>]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const planAt = args.indexOf('--plan');
const planOf = planAt >= 0 ? args[planAt + 1] : undefined;
const [file, topArg] = args.filter((_, i) => planAt < 0 || (i !== planAt && i !== planAt + 1));
const top = Number(topArg ?? 15);
const entries = readFileSync(file, 'utf8')
  .split(/\n(?=\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] LOG:)/)
  .map((text) => ({ text, ms: Number(/duration: ([\d.]+) ms/.exec(text)?.[1]) }))
  .filter((e) => Number.isFinite(e.ms));
const keyOf = (text) => {
  const at = text.indexOf('Query Text:');
  return at < 0 ? '(no query text)' : text.slice(at + 11).replace(/\s+/g, ' ').trim().slice(0, 90);
};
const byKey = new Map();
for (const e of entries) byKey.set(keyOf(e.text), [...(byKey.get(keyOf(e.text)) ?? []), e]);
const median = (list) => [...list].sort((a, b) => a.ms - b.ms)[Math.floor(list.length / 2)];
if (planOf) {
  const found = [...byKey].find(([key]) => key.includes(planOf));
  if (!found) throw new Error(`no logged statement contains ${JSON.stringify(planOf)}`);
  const { text, ms } = median(found[1]);
  console.log(`${found[0]}\nmedian of ${found[1].length}: ${ms} ms`);
  for (const line of text.split('\n')) if (/\(actual|Buffers:|WAL:|Trigger/.test(line)) console.log(line.slice(0, 160));
} else {
  console.log('logged  sum ms  median ms  max ms  statement');
  for (const [key, list] of [...byKey].sort((a, b) => b[1].reduce((s, e) => s + e.ms, 0) - a[1].reduce((s, e) => s + e.ms, 0)).slice(0, top)) {
    const sum = list.reduce((s, e) => s + e.ms, 0);
    console.log(`${String(list.length).padStart(6)}  ${sum.toFixed(0).padStart(6)}  ${median(list).ms.toFixed(1).padStart(9)}  ${Math.max(...list.map((e) => e.ms)).toFixed(1).padStart(6)}  ${key}`);
  }
}
