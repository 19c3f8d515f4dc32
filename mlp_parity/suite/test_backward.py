"""2. Backward vs the NumPy reference in float64; 8. the kink convention ReLU'(0) = 0."""

import torch

from mlp_parity import checks


def test_backward(implementation, case):
    checks.run("backward", implementation, case)


def test_kink_convention(implementation, case):
    checks.run("kink", implementation, case)


def test_torch_relu_derivative_at_zero_is_zero():
    """The convention the implementations follow is PyTorch's: pinned here."""
    a = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
    torch.relu(a).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 1.0]
