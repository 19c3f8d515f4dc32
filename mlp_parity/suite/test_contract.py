"""9. Contract: forms, inputs unmodified, bitwise repeatable, no state between calls."""

from mlp_parity import checks


def test_contract(implementation, case):
    checks.run("contract", implementation, case)
