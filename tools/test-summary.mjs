// Prints the closing lines of the last `npm test` run from .cache/jest-results.json, in Jest's
// own words and as the plain `tests: N passed, N failed` line, so a script that ran the tests
// inside wrappers (brokers that print as they stop) can end its output with them.
import { readFileSync } from 'node:fs';

const resultsFile = process.argv[2] ?? '.cache/jest-results.json';
let summary;
try {
  summary = JSON.parse(readFileSync(resultsFile, 'utf8'));
} catch (error) {
  process.stdout.write(`tests: no results in ${resultsFile} (${error.code ?? error.message})\n`);
  process.exit(1);
}
const suites = `${summary.numPassedTestSuites} passed, ${summary.numTotalTestSuites} total`;
const failedSuites = summary.numFailedTestSuites ? `${summary.numFailedTestSuites} failed, ` : '';
const failedTests = summary.numFailedTests ? `${summary.numFailedTests} failed, ` : '';
process.stdout.write(
  `Test Suites: ${failedSuites}${suites}\n` +
    `Tests:       ${failedTests}${summary.numPassedTests} passed, ${summary.numTotalTests} total\n` +
    `tests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed\n`,
);
