// Prints the plain closing line of the last `npm test` run from .cache/jest-results.json,
// `N passed, N failed`, so a script that ran the tests inside wrappers (brokers that print as they
// stop) can end its output with it.
import { readFileSync } from 'node:fs';

const resultsFile = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '.cache/jest-results.json';
let summary;
try {
  summary = JSON.parse(readFileSync(resultsFile, 'utf8'));
} catch (error) {
  process.stdout.write(`tests: no results in ${resultsFile} (${error.code ?? error.message})\n`);
  process.exit(1);
}
// Only the plain line: Jest's own "Tests:       N passed, N total" shape, printed last, was read
// by CI as another runner's closing line that counted no test (stops 16-19 "ran no test").
process.stdout.write(`${summary.numPassedTests} passed, ${summary.numFailedTests} failed\n`);
if (process.argv.includes('--stderr')) process.stderr.write(`${summary.numPassedTests} passed, ${summary.numFailedTests} failed\n`);
