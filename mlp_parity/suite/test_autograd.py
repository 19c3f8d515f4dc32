"""3. Reverse-mode autograd at the same dtype and device; 4. forward mode (torch.func.jvp);
5. per-sample gradients (torch.func.vmap(grad)) and batch gradient = mean of per-sample ones."""

from mlp_parity import checks


def test_autograd(implementation, case):
    checks.run("autograd", implementation, case)


def test_jvp(implementation, case):
    checks.run("jvp", implementation, case)


def test_vmap_per_sample(implementation, case):
    checks.run("vmap", implementation, case)
