"""1. Forward vs the NumPy reference in float64: a1, h, f, loss."""

from tests.harness import checks


def test_forward(implementation, case):
    checks.run(checks.check_forward, implementation, case)
