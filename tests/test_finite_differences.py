"""6. Finite differences of the implementation's own forward; 7. torch.autograd.gradcheck.
Both in float64: the case's numbers, rounded to its dtype, then evaluated in float64."""

import pytest

from tests.harness import checks


@pytest.mark.dtypes("float64")
def test_finite_differences(implementation, case):
    checks.run(checks.check_finite_differences, implementation, case)


@pytest.mark.dtypes("float64")
def test_gradcheck(implementation, case):
    checks.run(checks.check_gradcheck, implementation, case)
