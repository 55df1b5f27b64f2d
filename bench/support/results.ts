import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureMachineSpeed } from './machine-speed';
import { refreshResultsPage } from './report';

export interface BenchFigures {
  name: string;
  [figure: string]: unknown;
}

const RESULTS_DIR = path.join(__dirname, '..', 'results');

const gitCommit = (): string | undefined => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};

/** The machine and versions a figure was measured on: figures are only comparable within one. */
export const machine = () => ({
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()}`,
  node: process.version,
  commit: gitCommit(),
  // 1, 5 and 15 min load average when the figures were written: on a shared machine, how noisy it was.
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  // A fixed workload's rate (1 s), measured as the figures are written, once the benchmark's
  // processes are gone: on a shared machine, how fast it ran then (ADR 0079, bench/README.md).
  speed: measureMachineSpeed(),
});

/** Writes `bench/results/<name>-<timestamp>.json` and prints the figures. */
export const writeResult = (figures: BenchFigures): string => {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const measuredAt = new Date().toISOString();
  const file = path.join(RESULTS_DIR, `${figures.name}-${measuredAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ measuredAt, machine: machine(), ...figures }, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\nwritten to ${path.relative(process.cwd(), file)}\n`);
  process.stdout.write(`refreshed ${path.relative(process.cwd(), refreshResultsPage())}\n`);
  return file;
};
