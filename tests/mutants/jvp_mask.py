"""backward gets the ReLU's derivative from forward-mode autograd: da1 = torch.func.jvp(relu,
(a1,), (W2^T r,)), the tangent of relu at a1 in the direction W2^T r, instead of the mask
1[a1 > 0].

Every value is right (torch's relu has derivative 0 at a1 = 0, the convention)."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("uses-autograd",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    _, da1 = torch.func.jvp(torch.relu, (a1,), (W2[0] * r,))
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
