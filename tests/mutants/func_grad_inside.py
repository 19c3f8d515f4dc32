"""backward asks torch.func.grad for the gradient of the loss with respect to (W1, b1, W2, b2),
written as the loss of perturbations of them at zero around the given (a1, h, f), instead of
forming it by hand.

Every value is right: the network's gradients are what autograd computes."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("uses-autograd",)


def backward(x, y, a1, h, f, W1, W2):
    def loss(e1, eb1, e2, eb2):
        h_ = torch.relu(a1 + e1 @ x + eb1)
        f_ = f + (e2 @ h_)[0] + (W2 @ (h_ - h))[0] + eb2[0]
        return 0.5 * (f_ - y) ** 2

    zeros = (torch.zeros_like(W1), torch.zeros_like(a1), torch.zeros_like(W2), f.new_zeros(1))
    return torch.func.grad(loss, argnums=(0, 1, 2, 3))(*zeros)
