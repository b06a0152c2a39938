"""Runs CPython's own tests by name, as `python -m unittest test.NAME` does, and prints one
line per test that did not pass, so runs under python and pyhost can be compared."""
import sys, unittest

def main():
    failed = 0
    for name in sys.argv[1:]:
        suite = unittest.defaultTestLoader.loadTestsFromName("test." + name)
        result = unittest.TestResult()
        suite.run(result)
        for kind, items in (("ERROR", result.errors), ("FAIL", result.failures)):
            for test, tb in items:
                print(kind, test.id().replace(" ", ""), tb.strip().splitlines()[-1][:200])
        for test, why in result.skipped:
            print("SKIP", test.id(), why[:100])
        print(f"{name}: {result.testsRun} run, {len(result.failures)} failures, "
              f"{len(result.errors)} errors, {len(result.skipped)} skipped")
        failed += not result.wasSuccessful()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
