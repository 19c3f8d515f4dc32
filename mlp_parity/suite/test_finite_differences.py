"""6. Finite differences of the implementation's own forward; 7. torch.autograd.gradcheck.
Both in float64: the case's numbers, rounded to its dtype, then evaluated in float64."""

from mlp_parity import checks


def test_finite_differences(implementation, case):
    checks.run("finite-diff", implementation, case)


def test_gradcheck(implementation, case):
    checks.run("gradcheck", implementation, case)
