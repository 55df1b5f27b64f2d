// `npm run bench` runs every benchmark; `npm run bench -- <name>` one of them.
import { runIntakeBench } from './intake/intake.bench';
import { writeResult, type BenchFigures } from './support/results';

const BENCHMARKS: Record<string, () => Promise<BenchFigures>> = {
  intake: runIntakeBench,
};

const main = async (): Promise<void> => {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !BENCHMARKS[name]);
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  for (const name of asked.length > 0 ? asked : Object.keys(BENCHMARKS)) writeResult(await BENCHMARKS[name]());
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
