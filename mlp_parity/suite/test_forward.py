"""1. Forward vs the NumPy reference in float64: a1, h, f, loss."""

from mlp_parity import checks


def test_forward(implementation, case):
    checks.run("forward", implementation, case)
