"""9. Contract: forms, inputs unmodified, bitwise repeatable, no state between calls."""

from tests.harness import checks


def test_contract(implementation, case):
    checks.run(checks.check_contract, implementation, case)
