// One Jest run for the whole workspace: one embedded PostgreSQL per run (global setup),
// each suite gets a database of its own (see @tss/persistence/testing).
const preset = require('./jest.preset');
const fs = require('node:fs');
const path = require('node:path');

const projectDirs = ['libs', 'services']
  .flatMap((group) => fs.readdirSync(path.join(__dirname, group)).map((name) => path.join(group, name)))
  .filter((dir) => fs.existsSync(path.join(__dirname, dir, 'project.json')));

module.exports = {
  globalSetup: '<rootDir>/tools/jest/global-setup.ts',
  globalTeardown: '<rootDir>/tools/jest/global-teardown.ts',
  testTimeout: 60_000,
  // Longest suites first, by durations recorded in CI (docs/adr/0078).
  testSequencer: '<rootDir>/tools/jest/sequencer.js',
  // Jest's own report, and a JUnit XML one for CI systems that read test results from a file.
  reporters: ['default', ['jest-junit', { outputDirectory: 'test-results', outputName: 'junit.xml', suiteNameTemplate: '{filepath}', addFileAttribute: 'true' }]],
  // bench/ is no Nx project, but its load generator's pure parts have unit tests of their own.
  projects: [...projectDirs.map((dir) => preset(path.join(__dirname, dir), path.basename(dir))), preset(path.join(__dirname, 'bench'), 'bench')],
};
