'use strict';
// Mocha's spec reporter, plus a line of counts appended to $CORROBORATE_TEST_STATS so that
// scripts/test.sh can print one total for all suites.
const fs = require('node:fs');
const Mocha = require('mocha');

class CountingSpec extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.CORROBORATE_TEST_STATS;
      if (!file) return;
      const { passes, failures, pending } = runner.stats ?? this.stats;
      fs.appendFileSync(file, `${passes} ${failures} ${pending}\n`);
    });
  }
}

module.exports = CountingSpec;
