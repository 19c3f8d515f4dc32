"""backward switches autograd back on and asks it for da1 and dW2 (torch.autograd.grad) instead
of forming them by hand.

Every value is right: the network's gradients are what autograd computes."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("uses-autograd",)


def backward(x, y, a1, h, f, W1, W2):
    r = (f - y).detach()
    with torch.enable_grad():
        a1_ = a1.detach().clone().requires_grad_(True)
        W2_ = W2.detach().clone().requires_grad_(True)
        out = (W2_ @ torch.relu(a1_))[0] * r  # d out / d(.) = r d f / d(.)
        dW2, da1 = torch.autograd.grad(out, (W2_, a1_))
    return torch.outer(da1, x), da1, dW2, r.reshape(1).clone()
