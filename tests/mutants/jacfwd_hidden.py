"""backward takes the hidden layer's gradient from torch.func.jacfwd: the Jacobian of
a1 -> W2 relu(a1) (forward mode, one column per unit), times the residual, gives da1, and
dW1 = outer(da1, x), db1 = da1.

Every value is right."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("uses-autograd",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    J = torch.func.jacfwd(lambda a: W2[0] @ torch.relu(a))(a1)  # W2_j 1[a1_j > 0]
    da1 = J * r
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
