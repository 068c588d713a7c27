#!/usr/bin/python3
"""Runs Python unittest files for ctest so that their outcome is honest in ctest's summary.

    run_unittest.py DIR PATTERN     (unittest discovery of DIR/PATTERN, top-level DIR)

Exit status:
  0   every test ran and passed;
  1   a failure or an error, an *expected failure* (a known bug is a failing test: fix it or
      skip it with a reason) or an *unexpected success*; also when no test was found;
  77  no failure, but some tests were skipped (ctest shows the test as "Skipped", through
      SKIP_RETURN_CODE 77), with every skip reason printed at the end.
"""

import sys
import unittest

SKIP_CODE = 77


def main(argv):
    if len(argv) != 3:
        print("usage: run_unittest.py DIR PATTERN", file=sys.stderr)
        return 2
    start, pattern = argv[1], argv[2]
    suite = unittest.defaultTestLoader.discover(start, pattern=pattern, top_level_dir=start)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    print()
    for test, reason in result.skipped:
        print("SKIPPED %s: %s" % (test.id(), reason))
    for test, _ in result.expectedFailures:
        print("EXPECTED FAILURE (counts as a failure) %s" % test.id())
    for test in result.unexpectedSuccesses:
        print("UNEXPECTED SUCCESS (counts as a failure) %s: remove @expectedFailure" % test.id())
    if result.testsRun == 0 and not result.skipped:
        print("FAILED: no test found in %s/%s" % (start, pattern))
        return 1
    if result.failures or result.errors or result.expectedFailures or result.unexpectedSuccesses:
        print("FAILED: %d failures, %d errors, %d expected failures, %d unexpected successes"
              % (len(result.failures), len(result.errors), len(result.expectedFailures),
                 len(result.unexpectedSuccesses)))
        return 1
    if result.skipped:
        print("SKIPPED: %d skips in %d tests run (reasons above)"
              % (len(result.skipped), result.testsRun))
        return SKIP_CODE
    print("PASSED: %d tests" % result.testsRun)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
