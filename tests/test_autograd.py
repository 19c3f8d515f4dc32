"""3. Reverse-mode autograd at the same dtype and device; 4. forward mode (torch.func.jvp);
5. per-sample gradients (torch.func.vmap(grad)) and batch gradient = mean of per-sample ones."""

from tests.harness import checks


def test_autograd(implementation, case):
    checks.run(checks.check_autograd, implementation, case)


def test_jvp(implementation, case):
    checks.run(checks.check_jvp, implementation, case)


def test_vmap_per_sample(implementation, case):
    checks.run(checks.check_vmap, implementation, case)
