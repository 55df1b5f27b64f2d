// Longest suites first, from durations recorded in CI (suite-durations.json), so that no long
// suite starts last and runs alone while the other workers sit idle (docs/adr/0078). Jest's own
// order needs its cache of the last run's durations, which a fresh clone does not have: it then
// orders by file size, which put a 30 s Kafka suite last in CI (25 s of one idle core).
// With a full cache (a developer's repeated runs) Jest's order stands: failed suites first.
const path = require('node:path');
const { default: DefaultSequencer } = require('@jest/test-sequencer');
const recorded = require('./suite-durations.json');

const REPO = path.join(__dirname, '../..');
/** A suite with no recorded duration (new, or under the recording's floor) counts as this short. */
const UNRECORDED_SECONDS = 1;

class LongestFirstSequencer extends DefaultSequencer {
  sort(tests) {
    const byJest = super.sort(tests);
    if (byJest.every((test) => test.duration != null)) return byJest;
    const seconds = (test) => recorded[path.relative(REPO, test.path).split(path.sep).join('/')] ?? UNRECORDED_SECONDS;
    // Array.prototype.sort is stable: equal estimates keep Jest's order (by file size).
    return [...byJest].sort((a, b) => seconds(b) - seconds(a));
  }
}

module.exports = LongestFirstSequencer;
