// Writes tools/jest/suite-durations.json from a Jest JSON report (`npm test` leaves one in
// .cache/jest-results.json, in the checkout that ran them): every suite of at least FLOOR_SECONDS, for the longest-first order of
// tools/jest/sequencer.js. Record from a CI run (.ci/run), whose load is the one that matters.
//   node tools/jest/record-durations.mjs [report]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FLOOR_SECONDS = 2;
const repo = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const reportFile = path.resolve(process.argv[2] ?? path.join(repo, '.cache/jest-results.json'));
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
// Paths relative to the checkout that ran the suites: the report sits in its .cache/.
const ranIn = path.dirname(path.dirname(reportFile));
const durations = report.testResults
  .map((suite) => [path.relative(ranIn, suite.name).split(path.sep).join('/'), Math.round((suite.endTime - suite.startTime) / 100) / 10])
  .filter(([, seconds]) => seconds >= FLOOR_SECONDS)
  .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
writeFileSync(path.join(repo, 'tools/jest/suite-durations.json'), `${JSON.stringify(Object.fromEntries(durations), null, 1)}\n`);
console.log(`${durations.length} suites of ${report.testResults.length} recorded (at least ${FLOOR_SECONDS} s each)`);
